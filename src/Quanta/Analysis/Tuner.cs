using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Analysis;

/// <summary>
/// Accuracy-driven mixed precision. Calibrates once; tries the starting full-integer recipe with each
/// calibrator; if none meets the target, ranks layers by sensitivity and raises the fewest top-ranked
/// layers up a ladder (8-bit weights, 16-bit activations, float) — doubling the count until the target
/// holds, then bisecting down to the smallest count that still holds. Candidates that meet the target
/// on the search subset are confirmed on the full data when given; only confirmed ones count.
/// </summary>
public sealed class Tuner
{
    readonly CalibratedModel _calibrated;
    readonly ReferenceRun _search;
    readonly Lazy<ReferenceRun>? _confirm;
    readonly TuneOptions _options;
    readonly IProgress<WorkProgress>? _progress;
    readonly List<TuneTrial> _trials = new();
    readonly double _target;
    (QuantizeResult Result, TuneTrial Trial, OutputAgreement? Confirm, List<string> Raised)? _bestMet, _bestAny;

    Tuner(CalibratedModel calibrated, ReferenceRun search, Lazy<ReferenceRun>? confirm, TuneOptions options, IProgress<WorkProgress>? progress)
    {
        _calibrated = calibrated;
        _search = search;
        _confirm = confirm;
        _options = options;
        _progress = progress;
        _target = options.Target(search.ReferencePoints);
    }

    public static TuneResult Run(Model input, IDataset calibration, IDataset search, IDataset? confirm, ResolvedRecipe start,
        TuneOptions options, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems.Count == 1 ? problems[0] : $"{problems[0]} (and {problems.Count - 1} more problems)");
        var calibrated = CalibratedModel.Calibrate(input, calibration, start, runtime, progress);
        var searchRun = ReferenceRun.Of(calibrated.Prepared, search, options.Scoring, runtime, progress);
        var confirmRun = confirm is null ? null : new Lazy<ReferenceRun>(() => ReferenceRun.Of(calibrated.Prepared, confirm, options.Scoring with { Metric = searchRun.Metric }, runtime, progress));
        return new Tuner(calibrated, searchRun, confirmRun, options, progress).Search(start);
    }

    TuneResult Search(ResolvedRecipe start)
    {
        // 1. The starting recipe with each calibrator; the most accurate one is kept for what follows.
        ResolvedRecipe best = start;
        double bestTop1 = double.NegativeInfinity;
        var methods = new List<CalibrationMethod> { start.Method };
        methods.AddRange(_options.CalibrationMethods.Where(m => m != start.Method));
        foreach (var m in methods)
        {
            if (Exhausted) break;
            var recipe = start with { Method = m };
            var (top1, met) = Try(recipe, "calibration", Precision.Start, []);
            if (met) return Finish([]);
            if (top1 > bestTop1) (best, bestTop1) = (recipe, top1);
        }

        // 1b. Recovery steps on the best of those: kept when they gain, named with their gain in the trial table.
        foreach (var steps in RecoveryCandidates(best))
        {
            if (Exhausted) break;
            var recipe = best with { Recovery = steps };
            var (top1, met) = Try(recipe, "recovery", Precision.Start, [], baseline: bestTop1);
            if (met) return Finish([]);
            if (top1 > bestTop1) (best, bestTop1) = (recipe, top1);
        }

        // 2. Rank layers once ("only this layer quantized" on the search subset), then raise the fewest.
        var ranking = Exhausted ? [] : SensitivityAnalyzer.Analyze(_calibrated, best, _search, new SensitivityOptions(Inverse: false), _progress).Layers;
        var layers = Layer.Of(_calibrated.Quantize(best).Plan).ToDictionary(l => l.Name);
        var ranked = ranking.Select(r => layers[r.Layer]).ToList();
        foreach (var precision in LayerRecipes.Ladder(best))
        {
            if (Exhausted || ranked.Count == 0) break;
            int lastFail = 0, firstMet = -1;
            for (int k = 1; !Exhausted; k = Math.Min(ranked.Count, k * 2))
            {
                if (Try(LayerRecipes.Raise(best, ranked.Take(k), precision), "raise", precision, ranked.Take(k)).Met) { firstMet = k; break; }
                lastFail = k;
                if (k == ranked.Count) break;
            }
            if (firstMet < 0) continue;
            while (firstMet - lastFail > 1 && !Exhausted)
            {
                int mid = (lastFail + firstMet) / 2;
                if (Try(LayerRecipes.Raise(best, ranked.Take(mid), precision), "raise", precision, ranked.Take(mid)).Met) firstMet = mid;
                else lastFail = mid;
            }
            break;
        }
        return Finish(ranking);
    }

    bool Exhausted => _trials.Count >= _options.MaxTrials;

    /// <summary>
    /// Bias correction, then AdaRound with it, each on top of what the recipe already asks for. Only
    /// where rounding error is large enough for them to matter — weights below 8 bits or one scale per
    /// tensor — since each costs passes over the calibration data (bias correction one per layer).
    /// </summary>
    IEnumerable<Recovery.RecoveryOptions> RecoveryCandidates(ResolvedRecipe recipe)
    {
        var current = recipe.Recovery;
        if (!_options.Recovery || (Numerics.QuantTypeInfo.Bits(recipe.WeightType) >= 8 && recipe.PerChannel)) yield break;
        if (!current.BiasCorrection) yield return current = current with { BiasCorrection = true };
        if (!current.AdaRound) yield return current with { AdaRound = true };
    }

    /// <summary>Evaluates one candidate; when it meets the target on the subset, confirms it on the full data.</summary>
    /// <param name="baseline">For a recovery trial, the score of the same recipe without the step: the trial records its gain.</param>
    (double Score, bool Met) Try(ResolvedRecipe recipe, string phase, Precision precision, IEnumerable<Layer> raised, double? baseline = null)
    {
        var q = _calibrated.Quantize(recipe, _progress);
        var score = _search.Score(q.Model, _progress, $"trial {_trials.Count + 1}");
        double top1 = score.Points(_search.Metric);
        bool met = top1 >= _target;
        long bytes = q.Model.SerializedBytes();
        var raisedNames = raised.Select(l => l.Name).ToList();
        // auto names what it chose, so the trial table shows what auto gained over each single method.
        string method = q.Auto is { } auto ? $"auto: {OptionNames.Of(auto.Method)}{(auto.Tensors.Count > 0 ? $" +{auto.Tensors.Count}" : "")}" : OptionNames.Of(recipe.Method);
        string recovery = recipe.Recovery.Describe();
        double? gain = baseline is { } b && !double.IsNegativeInfinity(b) ? top1 - b : null;
        var trial = new TuneTrial(_trials.Count + 1, phase, method, precision.ToString(), raisedNames.Count, bytes, top1, score.SqnrDb, met, recovery, gain);
        _trials.Add(trial);
        OutputAgreement? confirmed = null;
        if (met && _confirm is not null && !Exhausted)
        {
            var full = _confirm.Value;
            confirmed = full.Score(q.Model, _progress, "confirming");
            double fullTarget = _options.Target(full.ReferencePoints);
            double fullScore = confirmed.Points(full.Metric);
            met = fullScore >= fullTarget;
            trial = new TuneTrial(_trials.Count + 1, "confirm", method, precision.ToString(), raisedNames.Count, bytes, fullScore, confirmed.SqnrDb, met, recovery);
            _trials.Add(trial);
        }
        else if (met && _confirm is not null) met = false;   // no budget left to confirm: not proven
        if (met && (_bestMet is null || bytes < _bestMet.Value.Trial.Bytes)) _bestMet = (q, trial, confirmed, raisedNames);
        if (_bestAny is null || top1 > _bestAny.Value.Trial.Score) _bestAny = (q, trial, confirmed, raisedNames);
        return (top1, met);
    }

    TuneResult Finish(List<LayerSensitivity> ranking)
    {
        var chosen = _bestMet ?? _bestAny!.Value;
        double? confirmReference = _confirm is { IsValueCreated: true } ? _confirm.Value.ReferencePoints : null;
        return new TuneResult(_bestMet is not null, _search.Metric, _search.ReferencePoints, _target, _search.Data.Count,
            confirmReference, chosen.Confirm?.Points(_search.Metric), chosen.Confirm?.Samples,
            chosen.Trial, chosen.Result, chosen.Raised, ranking, _trials);
    }
}
