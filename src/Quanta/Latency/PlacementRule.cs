using Quanta.Runtime;

namespace Quanta.Latency;

/// <summary>
/// The decisions of latency placement as pure functions of timing samples, so the same timings give
/// the same model. Each sample is one round's median run time of one model; the models of a round
/// ran back to back, so a ratio within a round compares them under the same machine conditions.
/// A speed-up is the median over rounds of those ratios (a round disturbed by another tenant
/// moves one ratio, not the median), and int8 must win by a margin, not by a hair.
/// </summary>
public static class PlacementRule
{
    /// <summary>How many times faster <paramref name="candidateMs"/> ran than <paramref name="baselineMs"/>: the median of per-round ratios.</summary>
    public static double Speedup(IReadOnlyList<double> baselineMs, IReadOnlyList<double> candidateMs)
    {
        if (baselineMs.Count != candidateMs.Count || baselineMs.Count == 0)
            throw new ArgumentException("speed-ups compare the same rounds of two models");
        return BenchmarkComparison.Median(baselineMs.Select((b, k) => b / candidateMs[k]));
    }

    /// <summary>
    /// Whether a region stays int8: the model with the region in float (<paramref name="floatMs"/>)
    /// against the model with it in int8 (<paramref name="int8Ms"/>), kept only at ≥ <paramref name="margin"/>×.
    /// </summary>
    public static RegionDecision Decide(Region region, double[] int8Ms, double[] floatMs, double margin)
    {
        double speedup = Speedup(floatMs, int8Ms);
        return new RegionDecision(region.Name, region.Nodes.Count, region.WeightedNodes, region.OpTypes, region.First, region.Last,
            speedup, speedup >= margin, int8Ms, floatMs);
    }

    /// <summary>
    /// Decisions in the float plan (int8 lost as a whole): <paramref name="suffixMs"/>[k] timed the model with regions k…
    /// int8 and those before float ([0] is all-int8). The suffix that ran fastest against <paramref name="floatMs"/> is
    /// kept int8 when it is at least <paramref name="margin"/>× float (ties: the longer suffix); each region's speed-up is
    /// what adding it to the int8 suffix after it gained (the suffix after the last region is the float model).
    /// </summary>
    public static List<RegionDecision> DecideSuffix(IReadOnlyList<Region> regions, double[] floatMs, IReadOnlyList<double[]> suffixMs, double margin)
    {
        if (suffixMs.Count != regions.Count) throw new ArgumentException("one suffix per region");
        int start = regions.Count;
        double best = margin;
        for (int k = 0; k < regions.Count; k++)
        {
            double speedup = Speedup(floatMs, suffixMs[k]);
            if (speedup >= best && (start == regions.Count || speedup > best)) (start, best) = (k, speedup);
        }
        return regions.Select((r, k) =>
        {
            var without = k + 1 < regions.Count ? suffixMs[k + 1] : floatMs;
            return Decide(r, suffixMs[k], without, margin) with { KeptInt8 = k >= start };
        }).ToList();
    }

    /// <summary>Whether the placed model (some regions float) is written rather than the all-int8 plan: only when it ran at least as fast.</summary>
    public static bool KeepPlaced(IReadOnlyList<double> allInt8Ms, IReadOnlyList<double> placedMs) => Speedup(allInt8Ms, placedMs) >= 1.0;

    /// <summary>The default objective searches regions only when the whole int8 model is not faster than float.</summary>
    public static bool NeedsSearch(double int8Speedup) => !(int8Speedup >= 1.0);
}
