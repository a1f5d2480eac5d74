namespace Quanta.Detect.Timing;

/// <summary>
/// Millisecond times in a fixed set of log-spaced buckets (1 µs to 100 s, each 1 % wider than the
/// last), so percentiles of any number of frames cost the same ~15 KB: the loop records every frame
/// without a growing log. A percentile is its bucket's geometric centre, within 0.5 % of the true
/// value, clamped to the exact minimum and maximum seen (the 100th percentile is the maximum itself).
/// </summary>
public sealed class LatencyHistogram
{
    const double Lowest = 1e-3, Growth = 1.01;
    static readonly double LogGrowth = Math.Log(Growth);
    static readonly int Buckets = (int)Math.Ceiling(Math.Log(1e5 / Lowest) / LogGrowth) + 1;

    readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public double Sum { get; private set; }
    public double Mean => Count > 0 ? Sum / Count : 0;

    public void Add(double ms)
    {
        if (double.IsNaN(ms)) return;
        int bucket = ms <= Lowest ? 0 : Math.Min(Buckets - 1, (int)(Math.Log(ms / Lowest) / LogGrowth) + 1);
        _counts[bucket]++;
        Count++;
        Sum += ms;
        if (ms < Min) Min = ms;
        if (ms > Max) Max = ms;
    }

    /// <summary>The value at rank ⌈p × Count⌉ (p in 0..1); 0 when empty.</summary>
    public double Percentile(double p)
    {
        if (Count == 0) return 0;
        long rank = Math.Clamp((long)Math.Ceiling(p * Count), 1, Count), seen = 0;
        if (rank == Count) return Max;
        for (int b = 0; b < Buckets; b++)
        {
            seen += _counts[b];
            if (seen < rank) continue;
            double centre = b == 0 ? Lowest : Lowest * Math.Pow(Growth, b - 0.5);
            return Math.Clamp(centre, Min, Max);
        }
        return Max;
    }
}
