using System.Diagnostics;
using System.Globalization;
using Quanta.Analysis;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Calibration;

/// <summary>
/// `--method auto`: from one calibration pass (a histogram per tensor), resolve MinMax, Percentile,
/// Entropy and Mse ranges and score each candidate end to end against the float model on calibration
/// samples held out from the histograms, every candidate through one ONNX Runtime session
/// (<see cref="CandidateScorer"/>), and keep the best: by output SQNR, and for class scores first by
/// top-1 agreement (the label-free metric of such outputs, <see cref="Ranks"/>). Then, on the
/// tensors whose candidate ranges disagree most (outliers: MinMax's range far wider than the others'),
/// greedily try each tensor's other ranges and keep a change only when the score rises. The final
/// ranges come from all samples with the chosen methods. Trials are few and fixed in number (no clock),
/// so the same data always gives the same model.
/// </summary>
internal static class AutoCalibration
{
    /// <summary>The methods auto chooses among, MinMax first (it wins ties: it clips nothing).</summary>
    public static readonly CalibrationMethod[] Candidates =
        [CalibrationMethod.MinMax, CalibrationMethod.Percentile, CalibrationMethod.Entropy, CalibrationMethod.Mse];

    /// <summary>Per-tensor trials after the per-model ones: enough for a few outlier tensors, cheap next to calibration.</summary>
    public const int MaxTensorTrials = 2;

    /// <summary>A per-tensor change must gain this much SQNR to be kept (smaller gains are scoring noise).</summary>
    public const double MinGainDb = 0.05;

    /// <summary>
    /// Calibration samples held out for scoring: a thirty-second, 8 to 32 (16 of the usual 512). Each trial
    /// runs them once through an unfused QDQ model, which costs more per sample than the calibration pass,
    /// and auto must cost at most twice MinMax; none below 16 (then the calibration samples are scored).
    /// </summary>
    public static int HeldOutCount(int samples) => samples < 16 ? 0 : Math.Clamp(samples / 32, 8, 32);

    /// <summary>Static quantization with `--method auto`: the counterpart of <see cref="StaticQuantizer.Quantize"/>.</summary>
    internal static QuantizeResult Quantize(Model input, IDataset calibration, ResolvedRecipe recipe,
        RuntimeOptions? runtime, IProgress<WorkProgress>? progress)
    {
        var clock = Stopwatch.StartNew();
        var prepared = StaticQuantizer.Prepare(input, calibration, recipe, runtime, progress, out var preparation);
        var plan = Planner.Plan(prepared.Graph, recipe);
        var tensors = plan.TensorsToCalibrate.ToList();

        var calibrationClock = Stopwatch.StartNew();
        var split = new HeldOutSplit(calibration, HeldOutCount(calibration.Count));
        var run = Calibrator.Observe(prepared, tensors, split, () => new SplitHistogram(split, recipe.Calibration.Bins), recipe.CalibBatch, runtime, progress);
        var histograms = run.Observers.ToDictionary(kv => kv.Key, kv => (SplitHistogram)kv.Value);
        // A control-flow branch the data never took leaves its tensors unobserved: those nodes stay float.
        plan = Planner.WithoutUnobserved(prepared.Graph, recipe, plan, t => histograms.TryGetValue(t, out var h) && h.Count > 0);
        tensors = plan.TensorsToCalibrate.ToList();
        var summary = new StaticQuantizer.CalibrationSummary(calibration.Description, run.Samples, run.DataDigest, calibrationClock.Elapsed.TotalSeconds);

        bool heldOut = split.HeldOutCount > 0;
        var choice = Choose(tensors, t => heldOut ? histograms[t].Fit : histograms[t].All, t => plan.Tensors[t].Spec, recipe.Calibration,
            ranges => OpenScorer(prepared, plan, ranges, heldOut ? split.HeldOut : calibration, recipe, runtime), heldOut, progress);
        var final = Resolve(tensors, t => histograms[t].All, t => plan.Tensors[t].Spec, choice.MethodFor, recipe.Calibration);
        // Candidates are scored without recovery (it would cost a recovery per candidate); the chosen ranges get it.
        var result = StaticQuantizer.Write(prepared, preparation, plan, final, recipe, summary, clock,
            StaticQuantizer.Recover(recipe, calibration, runtime, progress));
        result.Model.SetMetadata(MetadataKey, choice.Describe());
        return result with { Auto = choice };
    }

    /// <summary>
    /// Candidates run without ONNX Runtime's graph optimizations: their scales are run-time inputs, which
    /// QDQ fusion cannot use anyway, and the session starts faster. Unfused Q/DQ simulates the integer
    /// kernels' rounding closely enough to rank ranges.
    /// </summary>
    static RuntimeOptions ScoringRuntime(RuntimeOptions? runtime) => (runtime ?? new RuntimeOptions()) with { Optimize = false };

    /// <summary>The float reference on <paramref name="scoring"/> and the one session every candidate is scored through.</summary>
    internal static CandidateScorer OpenScorer(Model prepared, QuantPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges,
        IDataset scoring, ResolvedRecipe recipe, RuntimeOptions? runtime) =>
        CandidateScorer.Open(prepared, plan, ranges,
            ReferenceRun.Of(prepared, scoring, new ScoreOptions(recipe.CalibBatch, Metric: Metric.Sqnr), ScoringRuntime(runtime)));

    /// <summary>Metadata key of the choice (the recipe line says "calibration auto").</summary>
    public const string MetadataKey = "quanta.calibration.auto";

    /// <summary>
    /// Scores the candidates and returns the choice. <paramref name="fit"/> gives the histogram ranges are
    /// resolved from; <paramref name="open"/> opens the scorer (given one candidate's ranges to write the
    /// model with); it may refuse an output it cannot score: then MinMax is kept.
    /// </summary>
    internal static AutoChoice Choose(IReadOnlyList<string> tensors, Func<string, Histogram> fit, Func<string, QuantSpec> spec,
        CalibrationSettings settings, Func<IReadOnlyDictionary<string, (float Min, float Max)>, CandidateScorer> open,
        bool heldOut, IProgress<WorkProgress>? progress)
    {
        // Every candidate range of every tensor: range searches are independent and cost milliseconds each.
        var candidates = tensors.AsParallel()
            .Select(t => (t, Ranges: Candidates.ToDictionary(m => m, m => RangeOf(t, m, fit(t), spec(t), settings))))
            .ToDictionary(x => x.t, x => x.Ranges);

        CandidateScorer scoring;
        try { scoring = open(tensors.ToDictionary(t => t, t => candidates[t][CalibrationMethod.MinMax])); }
        catch (QuantaException e)
        {
            return new AutoChoice(CalibrationMethod.MinMax, new Dictionary<string, CalibrationMethod>(), [], 0, heldOut,
                $"minmax kept without scoring: {e.Message}");
        }
        using var _ = scoring;

        var trials = new List<AutoTrial>();
        int total = Candidates.Length + MaxTensorTrials, done = 0;
        bool byAgreement = scoring.ByAgreement;
        (double Sqnr, double Agreement) Score(Func<string, CalibrationMethod> methodOf)
        {
            var ranges = tensors.ToDictionary(t => t, t => candidates[t][methodOf(t)]);
            var agreement = scoring.Score(ranges);
            progress?.Report(new WorkProgress("auto: scoring candidates", ++done, total));
            return (agreement.SqnrDb, agreement.Top1Agreement);
        }

        // 1. One method for every tensor; a method whose ranges equal an earlier one's shares its score.
        var modelScores = new Dictionary<CalibrationMethod, (double Sqnr, double Agreement)>();
        var best = CalibrationMethod.MinMax;
        foreach (var m in Candidates)
        {
            var same = modelScores.Keys.FirstOrDefault(prior => tensors.All(t => Same(candidates[t][prior], candidates[t][m])), CalibrationMethod.Auto);
            if (same != CalibrationMethod.Auto)
            {
                modelScores[m] = modelScores[same];
                var prior = trials.First(x => x.Candidate == OptionNames.Of(same));
                trials.Add(new AutoTrial(OptionNames.Of(m), prior.SqnrDb, prior.Agreement, false, $"same ranges as {OptionNames.Of(same)}"));
                continue;
            }
            var (sqnr, agreement) = Score(_ => m);
            modelScores[m] = (sqnr, agreement);
            trials.Add(new AutoTrial(OptionNames.Of(m), sqnr, agreement, false));
            if (Ranks((sqnr, agreement), modelScores[best], byAgreement, 0)) best = m;
        }
        int bestIndex = trials.FindIndex(x => x.Candidate == OptionNames.Of(best));
        trials[bestIndex] = trials[bestIndex] with { Kept = true };

        // 2. Per tensor, where the candidates disagree most: try each other range, keep what raises the score.
        var chosen = new Dictionary<string, CalibrationMethod>();
        var score = modelScores[best];
        int tensorTrials = 0;
        foreach (var t in Outliers(tensors, candidates))
        {
            foreach (var m in Candidates)
            {
                if (tensorTrials >= MaxTensorTrials) break;
                var current = chosen.GetValueOrDefault(t, best);
                if (m == current || Same(candidates[t][m], candidates[t][current])) continue;
                tensorTrials++;
                var trial = Score(x => x == t ? m : chosen.GetValueOrDefault(x, best));
                bool keep = Ranks(trial, score, byAgreement, MinGainDb);
                trials.Add(new AutoTrial($"{t} → {OptionNames.Of(m)}", trial.Sqnr, trial.Agreement, keep));
                if (keep)
                {
                    chosen[t] = m;
                    score = trial;
                }
            }
        }
        int scored = scoring.Samples;
        return new AutoChoice(best, chosen, trials, scored, heldOut, Why(best, chosen, modelScores, score, tensors, candidates, fit), byAgreement);
    }

    /// <summary>
    /// Whether <paramref name="candidate"/> beats <paramref name="incumbent"/>: on class scores a higher top-1
    /// agreement with the float model wins outright (a flipped decision outweighs any SQNR); otherwise, or
    /// when they agree equally, output SQNR must rise by more than <paramref name="minGainDb"/>.
    /// Other outputs are ranked by SQNR alone: finer than cosine and ranking alike for small errors.
    /// </summary>
    internal static bool Ranks((double Sqnr, double Agreement) candidate, (double Sqnr, double Agreement) incumbent, bool byAgreement, double minGainDb) =>
        byAgreement && candidate.Agreement != incumbent.Agreement
            ? candidate.Agreement > incumbent.Agreement
            : candidate.Sqnr > incumbent.Sqnr + minGainDb;

    /// <summary>The tensors whose widest candidate range (MinMax: every outlier) is most out of proportion to the narrowest.</summary>
    static IEnumerable<string> Outliers(IReadOnlyList<string> tensors, Dictionary<string, Dictionary<CalibrationMethod, (float Min, float Max)>> candidates) =>
        tensors.Select(t => (t, Ratio: Spread(candidates[t])))
            .Where(x => x.Ratio > 1.5)
            .OrderByDescending(x => x.Ratio)
            .ThenBy(x => x.t, StringComparer.Ordinal)
            .Select(x => x.t);

    static double Spread(Dictionary<CalibrationMethod, (float Min, float Max)> ranges)
    {
        double widest = ranges.Values.Max(r => (double)r.Max - r.Min), narrowest = ranges.Values.Min(r => (double)r.Max - r.Min);
        return narrowest > 0 ? widest / narrowest : 1;
    }

    static bool Same((float Min, float Max) a, (float Min, float Max) b)
    {
        double width = Math.Max(Math.Max((double)a.Max - a.Min, (double)b.Max - b.Min), 1e-30);
        return Math.Abs(a.Min - b.Min) <= 1e-3 * width && Math.Abs(a.Max - b.Max) <= 1e-3 * width;
    }

    /// <summary>The evidence in one sentence: what the winner gained over MinMax and which tensor's outliers explain it.</summary>
    static string Why(CalibrationMethod best, Dictionary<string, CalibrationMethod> chosen, Dictionary<CalibrationMethod, (double Sqnr, double Agreement)> modelScores, (double Sqnr, double Agreement) final,
        IReadOnlyList<string> tensors, Dictionary<string, Dictionary<CalibrationMethod, (float Min, float Max)>> candidates, Func<string, Histogram> fit)
    {
        var c = CultureInfo.InvariantCulture;
        var minmax = modelScores[CalibrationMethod.MinMax];
        if (best == CalibrationMethod.MinMax && chosen.Count == 0)
            return "minmax scored best: no candidate clipping helped the output.";
        string gain = string.Create(c, $"{final.Sqnr - minmax.Sqnr:+0.00;-0.00} dB output SQNR over minmax")
            + (final.Agreement != minmax.Agreement ? string.Create(c, $", top-1 agreement {minmax.Agreement:0.000} → {final.Agreement:0.000}") : "");
        var worst = tensors.MaxBy(t => Spread(candidates[t]))!;
        var h = fit(worst);
        double absmax = Math.Max(-(double)h.Min, h.Max), p9999 = h.AbsQuantile(0.9999);
        string evidence = Spread(candidates[worst]) > 1.5
            ? string.Create(c, $"; minmax spends its levels on outliers: '{worst}' reaches {absmax:G3} while 99.99 % of its values lie within ±{p9999:G3}")
            : "";
        string per = chosen.Count == 0 ? "" : $", with {chosen.Count} tensor{(chosen.Count == 1 ? "" : "s")} on another method";
        return $"{OptionNames.Of(best)}{per}: {gain}{evidence}.";
    }

    /// <summary>The ranges of <paramref name="methodOf"/> on each tensor's histogram.</summary>
    internal static Dictionary<string, (float Min, float Max)> Resolve(IReadOnlyList<string> tensors, Func<string, Histogram> histogram,
        Func<string, QuantSpec> spec, Func<string, CalibrationMethod> methodOf, CalibrationSettings settings) =>
        tensors.AsParallel().Select(t => (t, Range: RangeOf(t, methodOf(t), histogram(t), spec(t), settings))).ToDictionary(x => x.t, x => x.Range);

    /// <summary>A histogram method's range, or MinMax's (the range that clips nothing).</summary>
    internal static (float Min, float Max) RangeOf(string tensor, CalibrationMethod method, Histogram h, QuantSpec spec, CalibrationSettings settings)
    {
        if (ObserverFactory.FromHistogram(method, h, settings) is { } observer) return observer.Range(spec);
        if (h.Count == 0) throw QuantaException.BadInput($"tensor '{tensor}': no finite values observed during calibration");
        return (h.Min, h.Max);
    }
}
