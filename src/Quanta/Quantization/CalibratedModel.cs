using System.Diagnostics;
using Quanta.Analysis;
using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
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
/// min/max standing in for it. With <c>--method auto</c>, the values of a few held-out samples go
/// to a histogram of their own, and the candidates are scored on those samples.
/// </para>
/// </summary>
public sealed class CalibratedModel
{
    readonly Dictionary<string, Tee> _statistics;
    readonly Dictionary<string, Histogram> _histograms;
    readonly ResolvedRecipe _calibratedWith;
    readonly List<(string Pass, int Rewrites)> _preparation;
    readonly StaticQuantizer.CalibrationSummary _calibration;
    readonly IDataset _scoring;
    /// <summary>Every calibration sample: what AdaRound and bias correction run on.</summary>
    readonly IDataset _data;
    readonly bool _heldOut;
    readonly RuntimeOptions? _runtime;
    /// <summary>--method auto's choice, made once on the first recipe that asks for it and kept for the rest.</summary>
    AutoChoice? _auto;

    public Model Prepared { get; }
    public int Samples => _calibration.Samples;
    /// <summary>Every sample's values per tensor (held-out ones included).</summary>
    public IReadOnlyDictionary<string, Histogram> Histograms => _histograms;

    CalibratedModel(Model prepared, List<(string, int)> preparation, StaticQuantizer.CalibrationSummary calibration,
        Dictionary<string, Tee> statistics, ResolvedRecipe calibratedWith, IDataset data, IDataset scoring, bool heldOut, RuntimeOptions? runtime)
    {
        _data = data;
        Prepared = prepared;
        _preparation = preparation;
        _calibration = calibration;
        _statistics = statistics;
        _calibratedWith = calibratedWith;
        _scoring = scoring;
        _heldOut = heldOut;
        _runtime = runtime;
        _histograms = statistics.ToDictionary(kv => kv.Key, kv => kv.Value.All());
    }

    /// <summary>Prepares the model and streams <paramref name="calibration"/> through it once.</summary>
    public static CalibratedModel Calibrate(Model input, IDataset calibration, ResolvedRecipe recipe,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var prepared = StaticQuantizer.Prepare(input, calibration, recipe, runtime, progress, out var preparation);
        var tensors = FloatActivations(prepared.Graph);
        // --method auto scores its candidates on samples its histograms did not see.
        var split = new HeldOutSplit(calibration, recipe.Method == CalibrationMethod.Auto ? AutoCalibration.HeldOutCount(calibration.Count) : 0);
        // One observer per tensor feeds all the statistics, so the parallel sink stays one call per tensor.
        var run = Calibrator.Observe(prepared, tensors, split,
            () => new Tee(split, new Histogram(recipe.Calibration.Bins), new MeanStdObserver(recipe.Calibration.Sigmas),
                new MovingAverageMinMaxObserver(recipe.Calibration.Momentum)),
            recipe.CalibBatch, runtime, progress);
        var statistics = run.Observers.ToDictionary(kv => kv.Key, kv => (Tee)kv.Value);
        var summary = new StaticQuantizer.CalibrationSummary(calibration.Description, run.Samples, run.DataDigest, clock.Elapsed.TotalSeconds);
        bool heldOut = split.HeldOutCount > 0;
        return new CalibratedModel(prepared, preparation, summary, statistics, recipe, calibration, heldOut ? split.HeldOut : calibration, heldOut, runtime);
    }

    /// <summary>
    /// Plans, resolves and writes <paramref name="recipe"/> on the calibrated statistics, with its
    /// recovery steps (AdaRound, bias correction: they run on the calibration samples again).
    /// </summary>
    public QuantizeResult Quantize(ResolvedRecipe recipe, IProgress<WorkProgress>? progress = null)
    {
        // Equalization rewrote the prepared graph before calibration: a recipe cannot switch it now.
        if (recipe.Recovery.Equalize != _calibratedWith.Recovery.Equalize)
            throw QuantaException.BadInput($"Equalize: the model was calibrated {(_calibratedWith.Recovery.Equalize ? "with" : "without")} cross-layer equalization; calibrate again to change it");
        var clock = Stopwatch.StartNew();
        // A branch the calibration data never took has no statistics: its nodes stay float.
        var plan = Planner.WithoutUnobserved(Prepared.Graph, recipe, Planner.Plan(Prepared.Graph, recipe),
            t => _histograms.TryGetValue(t, out var h) && h.Count > 0);
        var toCalibrate = plan.TensorsToCalibrate.ToList();
        var recover = StaticQuantizer.Recover(recipe, _data, _runtime, progress);
        if (recipe.Method == CalibrationMethod.Auto) return QuantizeAuto(recipe, plan, toCalibrate, clock, recover);
        var ranges = new Dictionary<string, (float Min, float Max)>(toCalibrate.Count);
        foreach (var t in toCalibrate) ranges[t] = Range(t, recipe, plan.Tensors[t].Spec);
        return StaticQuantizer.Write(Prepared, _preparation, plan, ranges, recipe, _calibration, clock, recover);
    }

    QuantizeResult QuantizeAuto(ResolvedRecipe recipe, QuantPlan plan, List<string> tensors, Stopwatch clock, Func<Model, QuantPlan, Model>? recover)
    {
        foreach (var t in tensors)
            if (!_statistics.ContainsKey(t)) throw new InvalidOperationException($"tensor '{t}' was not observed during calibration");
        _auto ??= AutoCalibration.Choose(tensors, t => _heldOut ? _statistics[t].Histogram : _histograms[t], t => plan.Tensors[t].Spec, recipe.Calibration,
            ranges => AutoCalibration.OpenScorer(Prepared, plan, ranges, _scoring, recipe, _runtime), _heldOut, null);
        var final = AutoCalibration.Resolve(tensors, t => _histograms[t], t => plan.Tensors[t].Spec, _auto.MethodFor, recipe.Calibration);
        var result = StaticQuantizer.Write(Prepared, _preparation, plan, final, recipe, _calibration, clock, recover);
        result.Model.SetMetadata(AutoCalibration.MetadataKey, _auto.Describe());
        return result with { Auto = _auto };
    }

    /// <summary>The range <paramref name="recipe"/>'s calibration method gives <paramref name="tensor"/>, from the statistics gathered once.</summary>
    internal (float Min, float Max) Range(string tensor, ResolvedRecipe recipe, Numerics.QuantSpec spec)
    {
        if (!_statistics.TryGetValue(tensor, out var s))
            throw new InvalidOperationException($"tensor '{tensor}' was not observed during calibration");
        var h = _histograms[tensor];
        if (h.Count == 0) throw QuantaException.BadInput($"tensor '{tensor}': no finite values observed during calibration");
        switch (recipe.Method)
        {
            case CalibrationMethod.MinMax: return (h.Min, h.Max);
            case CalibrationMethod.MeanStd: return s.MeanStd.Range(recipe.Calibration.Sigmas);
            case CalibrationMethod.MovingAverage:
                // Its running range depends on the momentum and on how the samples were batched.
                if (recipe.Calibration.Momentum != _calibratedWith.Calibration.Momentum || recipe.CalibBatch != _calibratedWith.CalibBatch)
                    throw QuantaException.BadInput(
                        $"moving-average ranges were gathered with momentum {_calibratedWith.Calibration.Momentum} and batches of {_calibratedWith.CalibBatch}; " +
                        $"this recipe asks for momentum {recipe.Calibration.Momentum} and batches of {recipe.CalibBatch}: calibrate with those settings");
                return s.MovingAverage.Range(spec);
            default:
                return ObserverFactory.FromHistogram(recipe.Method, h, recipe.Calibration)?.Range(spec)
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

    /// <summary>
    /// Feeds one tensor's values to its histogram and to the running-statistics observers; values of
    /// held-out samples (--method auto) go to a histogram of their own.
    /// </summary>
    sealed class Tee(HeldOutSplit split, Histogram histogram, MeanStdObserver meanStd, MovingAverageMinMaxObserver movingAverage) : IObserver
    {
        /// <summary>The values of the samples that were not held out.</summary>
        public Histogram Histogram { get; } = histogram;
        readonly Histogram _heldOut = new(histogram.Bins);
        public MeanStdObserver MeanStd { get; } = meanStd;
        public MovingAverageMinMaxObserver MovingAverage { get; } = movingAverage;
        public long Count => Histogram.Count + _heldOut.Count;

        public void Observe(ReadOnlySpan<float> values)
        {
            (split.InHeldOut ? _heldOut : Histogram).Add(values);
            MeanStd.Observe(values);
            MovingAverage.Observe(values);
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
