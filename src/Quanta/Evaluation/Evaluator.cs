using System.Diagnostics;
using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Evaluation;

/// <summary>
/// Top-1/top-5 accuracy of a classifier whose first output holds one score per class: per sample
/// for [batch, classes], per step for [batch, steps, classes] with labels [batch, steps] (a text
/// recogniser's character accuracy); the counts are then steps, not samples.
/// </summary>
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
        int samples = 0;
        foreach (var batch in data.Batches(runner.BatchSize(batchSize, data)))
        {
            runner.Run(batch, (name, shape, values) =>
            {
                if (name != output) return;
                int classes = LabelledRows.Classes(shape, batch.Count, batch.Labels!.Length);
                if (classes == 0)
                    throw QuantaException.BadInput($"output '{name}' has shape [{string.Join(",", shape)}] for {batch.Count} samples with {batch.Labels.Length} labels; " +
                        "accuracy needs [batch, classes] with a label per sample, or [batch, steps, classes] with a label per step");
                tally.Add(values, classes, batch.Labels);
            });
            samples += batch.Count;
            progress?.Report(new WorkProgress("evaluating", samples, data.Count));
        }
        return tally.Result(clock.Elapsed.TotalSeconds) with { Samples = samples };
    }
}
