using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Analysis;

/// <summary>
/// The float model's output on an evaluation set, against which candidate models are scored with
/// one <see cref="Metric"/>. The float output is kept when it is small (up to
/// <see cref="CacheBytes"/>: samples × classes for a classifier), so many candidates are scored
/// without running the float model again; larger outputs (detection maps, sequences, embeddings of
/// many samples) are recomputed beside each candidate, so memory never grows with the data.
/// </summary>
public sealed class ReferenceRun
{
    /// <summary>Largest float output kept between candidates.</summary>
    public const long CacheBytes = 64L << 20;

    readonly Model _float;
    readonly float[]? _cache;
    readonly int _batchSize;
    readonly RuntimeOptions? _runtime;

    public IDataset Data { get; }
    public string Output { get; }
    public Metric Metric { get; }
    /// <summary>The metric for this output without labels: agreement for class scores, cosine otherwise (<see cref="Metrics.Default"/>).</summary>
    public Metric LabelFreeMetric { get; }
    /// <summary>The float model's top-1 accuracy (null without labels or for outputs that are not [batch, classes]).</summary>
    public double? Top1 { get; }
    /// <summary>The float model's own score in points: 100, or its top-1 accuracy in percent.</summary>
    public double ReferencePoints => Metrics.ReferencePoints(Metric, Top1);

    ReferenceRun(Model floatModel, IDataset data, float[]? cache, string output, Metric metric, Metric labelFree, double? top1, int batchSize, RuntimeOptions? runtime)
    {
        LabelFreeMetric = labelFree;
        _float = floatModel;
        Data = data;
        _cache = cache;
        Output = output;
        Metric = metric;
        Top1 = top1;
        _batchSize = batchSize;
        _runtime = runtime;
    }

    public static ReferenceRun Of(Model floatModel, IDataset data, ScoreOptions? options = null, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        options ??= new ScoreOptions();
        using var runner = new ModelRunner(floatModel, runtime);
        string output = options.Output ?? runner.OutputNames[0];
        if (!runner.OutputNames.Contains(output))
            throw QuantaException.BadInput($"model output '{output}': {floatModel.Source} has no such output (outputs: {string.Join(", ", runner.OutputNames)})");
        int batchSize = runner.BatchSize(options.BatchSize, data);
        var cache = new List<float>();
        bool caching = true;
        var accuracy = new Evaluation.AccuracyTally();
        int done = 0, rank = 0;
        foreach (var batch in data.Batches(batchSize))
        {
            bool seen = false;
            runner.Run(batch, (name, shape, values) =>
            {
                if (name != output) return;
                seen = true;
                rank = shape.Length;
                caching &= (cache.Count + (long)values.Length) * sizeof(float) <= CacheBytes;
                if (caching) foreach (var v in values) cache.Add(v);
                else cache.Clear();
                int classes = batch.Labels is { } labels ? Evaluation.LabelledRows.Classes(shape, batch.Count, labels.Length) : 0;
                if (classes > 0) accuracy.Add(values, classes, batch.Labels);
            });
            if (!seen) throw QuantaException.BadInput($"model output '{output}' of {floatModel.Source} is not a float tensor; choose a float output");
            done += batch.Count;
            progress?.Report(new WorkProgress("float reference", done, data.Count));
        }
        // Top-1 where the labels name the class of each row: per sample of [N,C], per step of [N,T,C].
        bool top1 = data.HasLabels && (rank == 2 || accuracy.Count > 0);
        var metric = options.Metric ?? Metrics.Default(top1, rank, runner.OutputNames.Count);
        if (metric == Metric.Top1 && !top1)
            throw QuantaException.BadInput($"Metric top1: needs labelled data and a [batch, classes] output (or [batch, steps, classes] with a label per step) ({data.Description}{(data.HasLabels ? "" : " has no labels")}); use agreement, cosine or sqnr");
        return new ReferenceRun(floatModel, data, caching ? cache.ToArray() : null, output, metric,
            Metrics.Default(labelled: false, rank, runner.OutputNames.Count), top1 ? accuracy.Result(0).Top1 : null, batchSize, runtime);
    }

    /// <summary>Runs <paramref name="candidate"/> on the same data and measures how closely it follows the float model.</summary>
    public OutputAgreement Score(Model candidate, IProgress<WorkProgress>? progress = null, string task = "scoring")
    {
        using var runner = Runner(candidate);
        return Score(runner, [], progress, task);
    }

    /// <summary>A session over <paramref name="candidate"/>, checked to have the scored output.</summary>
    internal ModelRunner Runner(Model candidate)
    {
        var runner = new ModelRunner(candidate, _runtime);
        if (runner.OutputNames.Contains(Output)) return runner;
        runner.Dispose();
        throw QuantaException.BadInput($"{candidate.Source}: has no output '{Output}' (is it a quantized version of {_float.Source}?)");
    }

    /// <summary>
    /// Scores the model <paramref name="runner"/> holds, with <paramref name="overrides"/> replacing some of its
    /// initializers on every run: many candidates through one session.
    /// </summary>
    internal OutputAgreement Score(ModelRunner runner, IReadOnlyList<(string Name, Microsoft.ML.OnnxRuntime.OrtValue Value)> overrides,
        IProgress<WorkProgress>? progress = null, string task = "scoring")
    {
        using var floatRunner = _cache is null ? new ModelRunner(_float, _runtime) : null;
        var reference = new OutputBuffer();
        var tally = new OutputTally();
        int offset = 0, done = 0;
        foreach (var batch in Data.Batches(_batchSize))
        {
            floatRunner?.Run(batch, (name, _, values) => { if (name == Output) reference.Set(values); });
            var labels = batch.Labels ?? [];
            runner.Run(batch, overrides, (name, shape, values) =>
            {
                if (name != Output) return;
                var expected = _cache is null ? reference.Values : _cache.AsSpan(offset, values.Length);
                if (expected.Length != values.Length)
                    throw QuantaException.BadInput($"{_float.Source}, quantized: output '{Output}' has {values.Length} values for a batch, the float model {expected.Length}");
                tally.Add(expected, values, shape, batch.Count, labels);
                offset += values.Length;
            });
            done += batch.Count;
            progress?.Report(new WorkProgress(task, done, Data.Count));
        }
        return tally.Result(Output);
    }
}
