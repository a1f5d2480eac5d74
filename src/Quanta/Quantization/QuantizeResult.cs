using Quanta.IR;

namespace Quanta.Quantization;

/// <summary>The calibrated range chosen for one activation.</summary>
public sealed record ChosenRange(string Tensor, float Min, float Max, float Scale, int ZeroPoint);

/// <summary>
/// What static quantization produced and how: the model, the plan, the ranges and timings, and the
/// per-tensor weights whose small channels collapsed to a single value (a reason to go per-channel).
/// </summary>
public sealed record QuantizeResult(
    Model Model,
    ResolvedRecipe Recipe,
    QuantPlan Plan,
    List<ChosenRange> Ranges,
    List<(string Pass, int Rewrites)> Preparation,
    int CalibrationSamples,
    double CalibrationSeconds,
    double TotalSeconds,
    List<CollapsedWeight> CollapsedWeights)
{
    /// <summary>What `--method auto` scored and chose (null for every other method).</summary>
    public Calibration.AutoChoice? Auto { get; init; }

    /// <summary>
    /// Writes the same calibrated model again under another recipe (one that keeps more nodes float,
    /// see <see cref="ResolvedRecipe.ForcedFloat"/>), without calibrating again; the flag says whether
    /// accuracy recovery runs again (a timing variant does not need it: weights do not change speed).
    /// </summary>
    internal Func<ResolvedRecipe, bool, QuantizeResult>? Rewrite { get; init; }
}
