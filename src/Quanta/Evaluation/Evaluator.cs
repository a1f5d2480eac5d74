using System.Diagnostics;
using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Evaluation;

/// <summary>Top-1/top-5 accuracy of a classifier whose first output holds one score per class.</summary>
public static class Evaluator
{
    public static EvalResult Evaluate(Model model, IDataset data, RuntimeOptions? runtime = null,
        int batchSize = 64, IProgress<WorkProgress>? progress = null)
    {
        using var runner = new ModelRunner(model, runtime);
        return Evaluate(runner, data, batchSize, progress);
    }

    public static EvalResult Evaluate(ModelRunner runner, IDataset data, int batchSize = 64, IProgress<WorkProgress>? progress = null)
    {
        if (!data.HasLabels) throw QuantaException.BadInput($"{data.Description}: has no labels; accuracy needs labelled data");
        var tally = new AccuracyTally();
        var clock = Stopwatch.StartNew();
        string output = runner.OutputNames[0];
        foreach (var batch in data.Batches(runner.BatchSize(batchSize, data)))
        {
            runner.Run(batch, (name, shape, values) =>
            {
                if (name != output) return;
                if (shape.Length != 2 || shape[0] != batch.Count)
                    throw QuantaException.BadInput($"output '{name}' has shape [{string.Join(",", shape)}]; accuracy needs [batch, classes]");
                tally.Add(values, (int)shape[1], batch.Labels!);
            });
            progress?.Report(new WorkProgress("evaluating", tally.Count, data.Count));
        }
        return tally.Result(clock.Elapsed.TotalSeconds);
    }
}
