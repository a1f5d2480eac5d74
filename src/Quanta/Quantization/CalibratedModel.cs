using System.Diagnostics;
using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Runtime;

namespace Quanta.Quantization;

/// <summary>
/// A prepared model calibrated once, from which any number of recipes can be planned and written
/// without running the calibration data again: what sensitivity analysis and mixed-precision search
/// need, where each trial changes only which nodes are quantized and with which types.
/// <para>
/// Every float activation of the prepared graph is observed (so whatever a later recipe plans has
/// statistics), through one streaming <see cref="Histogram"/> per tensor. MinMax, Percentile, Entropy
/// and Mse ranges are derived from it exactly as their own observers would. MeanStd and MovingAverage
/// need running statistics a histogram cannot replay, so every tensor also feeds one observer of each
/// (both cost a pass or two over the values): any recipe's method gets its own range, never a
/// min/max standing in for it.
/// </para>
/// </summary>
public sealed class CalibratedModel
{
    readonly Dictionary<string, Tee> _statistics;
    readonly ResolvedRecipe _calibratedWith;
    readonly List<(string Pass, int Rewrites)> _preparation;
    readonly StaticQuantizer.CalibrationSummary _calibration;

    public Model Prepared { get; }
    public int Samples => _calibration.Samples;
    public IReadOnlyDictionary<string, Histogram> Histograms { get; }

    CalibratedModel(Model prepared, List<(string, int)> preparation, StaticQuantizer.CalibrationSummary calibration,
        Dictionary<string, Tee> statistics, ResolvedRecipe calibratedWith)
    {
        Prepared = prepared;
        _preparation = preparation;
        _calibration = calibration;
        _statistics = statistics;
        _calibratedWith = calibratedWith;
        Histograms = statistics.ToDictionary(kv => kv.Key, kv => kv.Value.Histogram);
    }

    /// <summary>Prepares the model and streams <paramref name="calibration"/> through it once.</summary>
    public static CalibratedModel Calibrate(Model input, IDataset calibration, ResolvedRecipe recipe,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var prepared = PassPipeline.Run(input, PassPipeline.Normalize, out var preparation);
        var tensors = FloatActivations(prepared.Graph);
        // One observer per tensor feeds all the statistics, so the parallel sink stays one call per tensor.
        var run = Calibrator.Observe(prepared, tensors, calibration,
            () => new Tee(new Histogram(recipe.Calibration.Bins), new MeanStdObserver(recipe.Calibration.Sigmas),
                new MovingAverageMinMaxObserver(recipe.Calibration.Momentum)),
            recipe.CalibBatch, runtime, progress);
        var statistics = run.Observers.ToDictionary(kv => kv.Key, kv => (Tee)kv.Value);
        var summary = new StaticQuantizer.CalibrationSummary(calibration.Description, run.Samples, run.DataDigest, clock.Elapsed.TotalSeconds);
        return new CalibratedModel(prepared, preparation, summary, statistics, recipe);
    }

    /// <summary>Plans, resolves and writes <paramref name="recipe"/> on the calibrated statistics.</summary>
    public QuantizeResult Quantize(ResolvedRecipe recipe)
    {
        var clock = Stopwatch.StartNew();
        var plan = Planner.WithoutUnobserved(Prepared.Graph, recipe, Planner.Plan(Prepared.Graph, recipe),
            t => _statistics.TryGetValue(t, out var s) && s.Histogram.Count > 0);
        var toCalibrate = plan.TensorsToCalibrate.ToList();
        var ranges = new Dictionary<string, (float Min, float Max)>(toCalibrate.Count);
        foreach (var t in toCalibrate) ranges[t] = Range(t, recipe, plan.Tensors[t].Spec);
        return StaticQuantizer.Write(Prepared, _preparation, plan, ranges, recipe, _calibration, clock);
    }

    /// <summary>The range <paramref name="recipe"/>'s calibration method gives <paramref name="tensor"/>, from the statistics gathered once.</summary>
    internal (float Min, float Max) Range(string tensor, ResolvedRecipe recipe, Numerics.QuantSpec spec)
    {
        if (!_statistics.TryGetValue(tensor, out var s))
            throw new InvalidOperationException($"tensor '{tensor}' was not observed during calibration");
        if (s.Histogram.Count == 0) throw QuantaException.BadInput($"tensor '{tensor}': no finite values observed during calibration");
        switch (recipe.Method)
        {
            case CalibrationMethod.MinMax: return (s.Histogram.Min, s.Histogram.Max);
            case CalibrationMethod.MeanStd: return s.MeanStd.Range(recipe.Calibration.Sigmas);
            case CalibrationMethod.MovingAverage:
                // Its running range depends on the momentum and on how the samples were batched.
                if (recipe.Calibration.Momentum != _calibratedWith.Calibration.Momentum || recipe.CalibBatch != _calibratedWith.CalibBatch)
                    throw QuantaException.BadInput(
                        $"moving-average ranges were gathered with momentum {_calibratedWith.Calibration.Momentum} and batches of {_calibratedWith.CalibBatch}; " +
                        $"this recipe asks for momentum {recipe.Calibration.Momentum} and batches of {recipe.CalibBatch}: calibrate with those settings");
                return s.MovingAverage.Range(spec);
            default:
                return ObserverFactory.FromHistogram(recipe.Method, s.Histogram, recipe.Calibration)?.Range(spec)
                    ?? throw new InvalidOperationException($"no range for calibration method {recipe.Method}");
        }
    }

    /// <summary>Float tensors computed at run time: the graph inputs and every node output that is not a constant.</summary>
    static List<string> FloatActivations(Graph g)
    {
        var list = new List<string>();
        var seen = new HashSet<string>();
        foreach (var i in g.RealInputs)
            if (i.Type?.TensorType?.ElemType == Onnx.DataTypes.Float && seen.Add(i.Name)) list.Add(i.Name);
        // Control-flow bodies too: their tensors are observed where they run (BodyTaps).
        foreach (var scope in g.Scopes())
        {
            if (scope.Parent is not null)
                foreach (var i in scope.Inputs)
                    if (i.Type?.TensorType?.ElemType == Onnx.DataTypes.Float && seen.Add(i.Name)) list.Add(i.Name);
            foreach (var n in scope.Nodes)
                foreach (var o in n.Output)
                    if (o.Length > 0 && !scope.IsInitializer(o) && scope.ValueInfo(o)?.Type?.TensorType?.ElemType == Onnx.DataTypes.Float && seen.Add(o)) list.Add(o);
        }
        return list;
    }

    /// <summary>Feeds one tensor's values to its histogram and to the running-statistics observers.</summary>
    sealed class Tee(Histogram histogram, MeanStdObserver meanStd, MovingAverageMinMaxObserver movingAverage) : IObserver
    {
        public Histogram Histogram { get; } = histogram;
        public MeanStdObserver MeanStd { get; } = meanStd;
        public MovingAverageMinMaxObserver MovingAverage { get; } = movingAverage;
        public long Count => Histogram.Count;

        public void Observe(ReadOnlySpan<float> values)
        {
            Histogram.Add(values);
            MeanStd.Observe(values);
            MovingAverage.Observe(values);
        }

        public (float Min, float Max) Range(Numerics.QuantSpec spec) => (Histogram.Min, Histogram.Max);
    }
}
