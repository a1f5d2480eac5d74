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
/// and Mse ranges are derived from it exactly as their own observers would; MovingAverage and MeanStd
/// keep their own observer, since a histogram cannot replay their running statistics.
/// </para>
/// </summary>
public sealed class CalibratedModel
{
    readonly Dictionary<string, Histogram> _histograms;
    readonly Dictionary<string, IObserver> _ownObservers;
    readonly CalibrationMethod? _ownMethod;
    readonly List<(string Pass, int Rewrites)> _preparation;
    readonly StaticQuantizer.CalibrationSummary _calibration;

    public Model Prepared { get; }
    public int Samples => _calibration.Samples;
    public IReadOnlyDictionary<string, Histogram> Histograms => _histograms;

    CalibratedModel(Model prepared, List<(string, int)> preparation, StaticQuantizer.CalibrationSummary calibration,
        Dictionary<string, Histogram> histograms, Dictionary<string, IObserver> own, CalibrationMethod? ownMethod)
    {
        Prepared = prepared;
        _preparation = preparation;
        _calibration = calibration;
        _histograms = histograms;
        _ownObservers = own;
        _ownMethod = ownMethod;
    }

    /// <summary>Prepares the model and streams <paramref name="calibration"/> through it once.</summary>
    public static CalibratedModel Calibrate(Model input, IDataset calibration, ResolvedRecipe recipe,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var prepared = StaticQuantizer.Prepare(input, calibration, recipe, runtime, progress, out var preparation);
        var tensors = FloatActivations(prepared.Graph);
        bool needsOwn = recipe.Method is CalibrationMethod.MovingAverage or CalibrationMethod.MeanStd;
        // One observer per tensor feeds both statistics, so the parallel sink stays one call per tensor.
        var run = Calibrator.Observe(prepared, tensors, calibration,
            () => new Tee(new Histogram(recipe.Calibration.Bins), needsOwn ? ObserverFactory.Create(recipe.Method, recipe.Calibration) : null),
            recipe.CalibBatch, runtime, progress);
        var histograms = new Dictionary<string, Histogram>(run.Observers.Count);
        var own = new Dictionary<string, IObserver>();
        foreach (var (name, observer) in run.Observers)
        {
            var tee = (Tee)observer;
            histograms[name] = tee.Histogram;
            if (tee.Own is not null) own[name] = tee.Own;
        }
        var summary = new StaticQuantizer.CalibrationSummary(calibration.Description, run.Samples, run.DataDigest, clock.Elapsed.TotalSeconds);
        return new CalibratedModel(prepared, preparation, summary, histograms, own, needsOwn ? recipe.Method : null);
    }

    /// <summary>Plans, resolves and writes <paramref name="recipe"/> on the calibrated statistics.</summary>
    public QuantizeResult Quantize(ResolvedRecipe recipe)
    {
        var clock = Stopwatch.StartNew();
        var plan = Planner.Plan(Prepared.Graph, recipe);
        var toCalibrate = plan.TensorsToCalibrate.ToList();
        var ranges = new Dictionary<string, (float Min, float Max)>(toCalibrate.Count);
        foreach (var t in toCalibrate) ranges[t] = Range(t, recipe, plan.Tensors[t].Spec);
        return StaticQuantizer.Write(Prepared, _preparation, plan, ranges, recipe, _calibration, clock);
    }

    (float Min, float Max) Range(string tensor, ResolvedRecipe recipe, Numerics.QuantSpec spec)
    {
        if (!_histograms.TryGetValue(tensor, out var h))
            throw new InvalidOperationException($"tensor '{tensor}' was not observed during calibration");
        if (_ownMethod == recipe.Method && _ownObservers.TryGetValue(tensor, out var own)) return own.Range(spec);
        var observer = ObserverFactory.FromHistogram(recipe.Method, h, recipe.Calibration);
        if (observer is not null) return observer.Range(spec);
        // MinMax (and, without their own statistics, MovingAverage/MeanStd): the range that clips nothing.
        if (h.Count == 0) throw QuantaException.BadInput($"tensor '{tensor}': no finite values observed during calibration");
        return (h.Min, h.Max);
    }

    /// <summary>Float tensors computed at run time: the graph inputs and every node output that is not a constant.</summary>
    static List<string> FloatActivations(Graph g)
    {
        var list = new List<string>();
        var seen = new HashSet<string>();
        bool IsFloat(string t) => g.ValueInfo(t)?.Type?.TensorType?.ElemType == Onnx.DataTypes.Float;
        foreach (var i in g.RealInputs)
            if (i.Type?.TensorType?.ElemType == Onnx.DataTypes.Float && seen.Add(i.Name)) list.Add(i.Name);
        foreach (var n in g.Nodes)
            foreach (var o in n.Output)
                if (o.Length > 0 && !g.IsInitializer(o) && IsFloat(o) && seen.Add(o)) list.Add(o);
        return list;
    }

    /// <summary>Feeds one tensor's values to its histogram and, for running-statistics methods, its own observer.</summary>
    sealed class Tee(Histogram histogram, IObserver? own) : IObserver
    {
        public Histogram Histogram { get; } = histogram;
        public IObserver? Own { get; } = own;
        public long Count => Histogram.Count;

        public void Observe(ReadOnlySpan<float> values)
        {
            Histogram.Add(values);
            Own?.Observe(values);
        }

        public (float Min, float Max) Range(Numerics.QuantSpec spec) => (Histogram.Min, Histogram.Max);
    }
}
