using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Analysis;

/// <summary>
/// The float model's final scores on an evaluation set, kept (they are small: samples × classes)
/// so that many candidate models can be scored against them without running the float model again.
/// </summary>
public sealed class ReferenceRun
{
    readonly float[] _scores;
    readonly int _batchSize;
    readonly RuntimeOptions? _runtime;

    public IDataset Data { get; }
    public int Classes { get; }
    public string Output { get; }
    /// <summary>The float model's top-1 accuracy (null when the data has no labels).</summary>
    public double? Top1 { get; }

    ReferenceRun(IDataset data, float[] scores, int classes, string output, double? top1, int batchSize, RuntimeOptions? runtime)
    {
        Data = data;
        _scores = scores;
        Classes = classes;
        Output = output;
        Top1 = top1;
        _batchSize = batchSize;
        _runtime = runtime;
    }

    public static ReferenceRun Of(Model floatModel, IDataset data, int batchSize = 64, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        using var runner = new ModelRunner(floatModel, runtime);
        runner.CheckSampleShape(data.SampleShape, data.Description);
        string output = runner.OutputNames[0];
        var scores = new List<float>();
        var accuracy = new Evaluation.AccuracyTally();
        int classes = 0, done = 0;
        foreach (var batch in data.Batches(batchSize))
        {
            runner.Run(batch.Data, batch.Shape, (name, shape, values) =>
            {
                if (name != output) return;
                if (shape.Length != 2 || shape[0] != batch.Count)
                    throw QuantaException.BadInput($"output '{name}' has shape [{string.Join(",", shape)}]; expected [batch, classes]");
                classes = (int)shape[1];
                foreach (var v in values) scores.Add(v);
                if (batch.Labels is { } labels) accuracy.Add(values, classes, labels.AsSpan(0, batch.Count));
            });
            done += batch.Count;
            progress?.Report(new WorkProgress("float reference", done, data.Count));
        }
        return new ReferenceRun(data, scores.ToArray(), classes, output, data.HasLabels ? accuracy.Result(0).Top1 : null, batchSize, runtime);
    }

    /// <summary>Runs <paramref name="candidate"/> on the same data and measures its agreement with the float scores.</summary>
    public OutputAgreement Score(Model candidate, IProgress<WorkProgress>? progress = null, string task = "scoring")
    {
        using var runner = new ModelRunner(candidate, _runtime);
        var tally = new OutputTally();
        int offset = 0;
        foreach (var batch in Data.Batches(_batchSize))
        {
            int n = batch.Count * Classes;
            var reference = _scores.AsMemory(offset, n);
            runner.Run(batch.Data, batch.Shape, (name, shape, values) =>
            {
                if (name != Output) return;
                tally.Add(reference.Span, values, Classes, batch.Labels is null ? [] : batch.Labels.AsSpan(0, batch.Count));
            });
            offset += n;
            progress?.Report(new WorkProgress(task, offset / Classes, Data.Count));
        }
        return tally.Result(Output);
    }
}
