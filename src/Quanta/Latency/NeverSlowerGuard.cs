namespace Quanta.Latency;

/// <summary>
/// The last word of every timed objective: the written model is not slower than float. Regions were
/// judged one at a time, in a model otherwise int8; together, with float neighbours and the Q/DQ at
/// their borders, the int8 regions kept may still lose. Then the kept regions are given up greedily,
/// the one whose own int8 speed-up was smallest first, until the model runs at least as fast as
/// float; with none left the model is float everywhere (as fast as float by construction). Every
/// candidate of the chain is timed in the same interleaved rounds as float, so the choice is a pure
/// function of one set of timings.
/// </summary>
public static class NeverSlowerGuard
{
    /// <summary>At most this many steps (one timed candidate each); more kept regions are given up several per step.</summary>
    public const int MaxSteps = 6;

    /// <summary>The speed-up over float a written model must measure.</summary>
    public const double Floor = 1.0;

    /// <summary>
    /// The drop chain: step <c>i</c> gives up the regions of steps 0…i. Kept regions in order of their
    /// measured speed-up, smallest first (ties by name), cut into at most <see cref="MaxSteps"/> equal steps.
    /// The last step gives up every kept region.
    /// </summary>
    public static List<List<RegionDecision>> Steps(IEnumerable<RegionDecision> decisions)
    {
        var kept = decisions.Where(d => d.KeptInt8).OrderBy(d => d.Speedup).ThenBy(d => d.Region, StringComparer.Ordinal).ToList();
        int steps = Math.Min(kept.Count, MaxSteps);
        var chain = new List<List<RegionDecision>>();
        for (int s = 0; s < steps; s++)
        {
            int from = kept.Count * s / steps, to = kept.Count * (s + 1) / steps;
            chain.Add(kept.GetRange(from, to - from));
        }
        return chain;
    }

    /// <summary>
    /// Which candidate is written: the first, in order of preference, whose median per-round speed-up over
    /// <paramref name="floatMs"/> reaches <see cref="Floor"/>; -1 when none does (write the model float).
    /// </summary>
    public static int Choose(IReadOnlyList<double> floatMs, IReadOnlyList<IReadOnlyList<double>> candidatesMs)
    {
        for (int i = 0; i < candidatesMs.Count; i++)
            if (PlacementRule.Speedup(floatMs, candidatesMs[i]) >= Floor) return i;
        return -1;
    }
}
