namespace Quanta.Recovery;

/// <summary>
/// Which accuracy-recovery transforms static quantization applies: cross-layer equalization
/// before calibration (float model → float model), AdaRound and bias correction after planning
/// (they change the float weights and biases the rewriter then quantizes).
/// </summary>
public sealed record RecoveryOptions(bool Equalize = false, bool BiasCorrection = false, bool AdaRound = false, int AdaRoundIterations = 1000)
{
    public const int DefaultAdaRoundIterations = 1000; // the primary constructor's default
    public static RecoveryOptions None { get; } = new();

    /// <summary>AdaRound or bias correction: they run after the plan, on the calibration data.</summary>
    public bool AfterPlanning => BiasCorrection || AdaRound;

    public List<string> Validate()
    {
        var problems = new List<string>();
        // Named as the recipe names it (QuantRecipe.AdaRoundIters), which is what users set.
        if (AdaRoundIterations < 1) problems.Add($"AdaRoundIters must be at least 1, got {AdaRoundIterations}");
        return problems;
    }

    /// <summary>"equalized, adaround 1000 iterations, bias-corrected", or "" when nothing is on.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Equalize) parts.Add("cross-layer equalized");
        if (AdaRound) parts.Add($"adaround {AdaRoundIterations} iterations");
        if (BiasCorrection) parts.Add("bias-corrected");
        return string.Join(", ", parts);
    }
}
