using Quanta.Quantization;

namespace Quanta.Analysis;

/// <summary>One candidate the search evaluated.</summary>
/// <param name="Phase">"calibration" (calibrator choice), "raise" (layers at higher precision) or "confirm" (full data).</param>
/// <param name="Raised">How many layers run above the starting precision.</param>
/// <param name="Top1">Top-1 on the search subset (or the full data for "confirm").</param>
public sealed record TuneTrial(
    int Index,
    string Phase,
    string Method,
    string Precision,
    int Raised,
    long Bytes,
    double Top1,
    double OutputSqnrDb,
    bool Met);

/// <summary>
/// What the search found: whether the target holds, the chosen model (smallest meeting the target, or
/// the most accurate when none does), its confirmation on the full data, and every trial.
/// </summary>
public sealed record TuneResult(
    bool Met,
    double FloatTop1,
    double Target,
    int SearchSamples,
    double? ConfirmFloatTop1,
    double? ConfirmTop1,
    int? ConfirmSamples,
    TuneTrial Chosen,
    QuantizeResult Best,
    List<string> RaisedLayers,
    List<LayerSensitivity> Ranking,
    List<TuneTrial> Trials);
