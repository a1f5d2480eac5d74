using System.Diagnostics;
using Quanta.Analysis;
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
    /// <summary>With --method auto, each tensor's histogram without the held-out samples (the candidates' ranges come from it).</summary>
    Dictionary<string, Histogram> _fit = new();
    IDataset? _scoring;
    RuntimeOptions? _runtime;
    /// <summary>--method auto's choice, made once on the first recipe that asks for it and kept for the rest.</summary>
    AutoChoice? _auto;

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
        // --method auto scores its candidates on samples its histograms did not see.
        var split = new HeldOutSplit(calibration, recipe.Method == CalibrationMethod.Auto ? AutoCalibration.HeldOutCount(calibration.Count) : 0);
        // One observer per tensor feeds both statistics, so the parallel sink stays one call per tensor.
        var run = Calibrator.Observe(prepared, tensors, split,
            () => new Tee(split, new Histogram(recipe.Calibration.Bins), needsOwn ? ObserverFactory.Create(recipe.Method, recipe.Calibration) : null),
            recipe.CalibBatch, runtime, progress);
        var histograms = new Dictionary<string, Histogram>(run.Observers.Count);
        var fit = new Dictionary<string, Histogram>();
        var own = new Dictionary<string, IObserver>();
        foreach (var (name, observer) in run.Observers)
        {
            var tee = (Tee)observer;
            histograms[name] = tee.All();
            if (split.HeldOutCount > 0) fit[name] = tee.Histogram;
            if (tee.Own is not null) own[name] = tee.Own;
        }
        var summary = new StaticQuantizer.CalibrationSummary(calibration.Description, run.Samples, run.DataDigest, clock.Elapsed.TotalSeconds);
        return new CalibratedModel(prepared, preparation, summary, histograms, own, needsOwn ? recipe.Method : null)
        {
            _fit = fit, _scoring = split.HeldOutCount > 0 ? split.HeldOut : calibration, _runtime = runtime,
        };
    }

    /// <summary>Plans, resolves and writes <paramref name="recipe"/> on the calibrated statistics.</summary>
    public QuantizeResult Quantize(ResolvedRecipe recipe)
    {
        var clock = Stopwatch.StartNew();
        var plan = Planner.Plan(Prepared.Graph, recipe);
        var toCalibrate = plan.TensorsToCalibrate.ToList();
        if (recipe.Method == CalibrationMethod.Auto) return QuantizeAuto(recipe, plan, toCalibrate, clock);
        var ranges = new Dictionary<string, (float Min, float Max)>(toCalibrate.Count);
        foreach (var t in toCalibrate) ranges[t] = Range(t, recipe, plan.Tensors[t].Spec);
        return StaticQuantizer.Write(Prepared, _preparation, plan, ranges, recipe, _calibration, clock);
    }

    QuantizeResult QuantizeAuto(ResolvedRecipe recipe, QuantPlan plan, List<string> tensors, Stopwatch clock)
    {
        foreach (var t in tensors)
            if (!_histograms.ContainsKey(t)) throw new InvalidOperationException($"tensor '{t}' was not observed during calibration");
        bool heldOut = _fit.Count > 0;
        _auto ??= AutoCalibration.Choose(tensors, t => heldOut ? _fit[t] : _histograms[t], t => plan.Tensors[t].Spec, recipe.Calibration,
            ranges => StaticQuantizer.Write(Prepared, _preparation, plan, ranges, recipe, _calibration, Stopwatch.StartNew()).Model,
            () => ReferenceRun.Of(Prepared, _scoring!, recipe.CalibBatch, AutoCalibration.ScoringRuntime(_runtime)), heldOut, null);
        var final = AutoCalibration.Resolve(tensors, t => _histograms[t], t => plan.Tensors[t].Spec, _auto.MethodFor, recipe.Calibration);
        var result = StaticQuantizer.Write(Prepared, _preparation, plan, final, recipe, _calibration, clock);
        result.Model.SetMetadata(AutoCalibration.MetadataKey, _auto.Describe());
        return result with { Auto = _auto };
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

    /// <summary>
    /// Feeds one tensor's values to its histogram and, for running-statistics methods, its own observer;
    /// values of held-out samples (--method auto) go to a histogram of their own.
    /// </summary>
    sealed class Tee(HeldOutSplit split, Histogram histogram, IObserver? own) : IObserver
    {
        public Histogram Histogram { get; } = histogram;
        readonly Histogram _heldOut = new(histogram.Bins);
        public IObserver? Own { get; } = own;
        public long Count => Histogram.Count + _heldOut.Count;

        public void Observe(ReadOnlySpan<float> values)
        {
            (split.InHeldOut ? _heldOut : Histogram).Add(values);
            Own?.Observe(values);
        }

        /// <summary>Every sample's values: the histogram itself when nothing was held out.</summary>
        public Histogram All()
        {
            if (_heldOut.Count == 0) return Histogram;
            var all = new Histogram(Histogram.Bins);
            all.Merge(Histogram);
            all.Merge(_heldOut);
            return all;
        }

        public (float Min, float Max) Range(Numerics.QuantSpec spec) => (Math.Min(Histogram.Min, _heldOut.Min), Math.Max(Histogram.Max, _heldOut.Max));
    }
}
