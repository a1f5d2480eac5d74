using Quanta.Quantization;

namespace Quanta.Analysis;

/// <summary>One candidate the search evaluated.</summary>
/// <param name="Phase">"calibration" (calibrator choice), "recovery" (bias correction, AdaRound), "raise" (layers at higher precision) or "confirm" (full data).</param>
/// <param name="Raised">How many layers run above the starting precision.</param>
/// <param name="Score">The metric's score in points on the search subset (or the full data for "confirm").</param>
/// <param name="Recovery">The recovery steps the candidate used ("bias-corrected", "adaround 1000 iterations, bias-corrected"; "" for none).</param>
/// <param name="Gain">For a "recovery" trial: points gained over the best candidate before it (the same recipe without the new step).</param>
public sealed record TuneTrial(
    int Index,
    string Phase,
    string Method,
    string Precision,
    int Raised,
    long Bytes,
    double Score,
    double OutputSqnrDb,
    bool Met,
    string Recovery = "",
    double? Gain = null);

/// <summary>
/// What the search found: whether the target holds, the chosen model (smallest meeting the target, or
/// the most accurate when none does), its confirmation on the full data, and every trial. Scores and
/// the target are in points of <see cref="Metric"/> (see <see cref="Analysis.Metric"/>).
/// </summary>
public sealed record TuneResult(
    bool Met,
    Metric Metric,
    double ReferenceScore,
    double Target,
    int SearchSamples,
    double? ConfirmReferenceScore,
    double? ConfirmScore,
    int? ConfirmSamples,
    TuneTrial Chosen,
    QuantizeResult Best,
    List<string> RaisedLayers,
    List<LayerSensitivity> Ranking,
    List<TuneTrial> Trials);
