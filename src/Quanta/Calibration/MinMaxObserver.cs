using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>Running min/max of all finite values seen: the range that clips nothing.</summary>
internal sealed class MinMaxObserver : IObserver, IStatsSource
{
    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;
    public long Count { get; private set; }

    public void Observe(ReadOnlySpan<float> values)
    {
        var (mn, mx, n) = FiniteStats.MinMax(values);
        if (n == 0) return;
        Min = Math.Min(Min, mn);
        Max = Math.Max(Max, mx);
        Count += n;
    }

    public (float Min, float Max) Range(QuantSpec spec)
    {
        ObserverGuard.RequireData(Count);
        return (Min, Max);
    }

    Histogram? IStatsSource.Histogram => null;
}
