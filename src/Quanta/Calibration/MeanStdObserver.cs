using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// Running mean and variance (per-batch sums in double, batches merged with Chan et al.'s parallel
/// update, so streaming is stable) → [mean − kσ, mean + kσ], intersected with the observed [min, max].
/// </summary>
internal sealed class MeanStdObserver : IObserver, IStatsSource
{
    readonly float _k;
    double _mean, _m2;
    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;
    public long Count { get; private set; }
    public double Mean => _mean;
    /// <summary>Population standard deviation.</summary>
    public double Std => Count == 0 ? 0 : Math.Sqrt(_m2 / Count);

    public MeanStdObserver(float k = 3)
    {
        if (!(k > 0) || !float.IsFinite(k)) throw QuantaException.BadInput($"sigmas must be positive, got {k}");
        _k = k;
    }

    public void Observe(ReadOnlySpan<float> values)
    {
        var (mn, mx, n) = FiniteStats.MinMax(values);
        if (n == 0) return;
        double sum = 0;
        foreach (float v in values) if (float.IsFinite(v)) sum += v;
        double bmean = sum / n, bm2 = 0;
        foreach (float v in values) if (float.IsFinite(v)) { double d = v - bmean; bm2 += d * d; }
        long total = Count + n;
        double delta = bmean - _mean;
        _mean += delta * n / total;
        _m2 += bm2 + delta * delta * ((double)Count * n / total);
        Count = total;
        Min = Math.Min(Min, mn);
        Max = Math.Max(Max, mx);
    }

    public (float Min, float Max) Range(QuantSpec spec) => Range(_k);

    /// <summary>[mean − kσ, mean + kσ] ∩ [min, max] for any k: the statistics do not depend on it.</summary>
    public (float Min, float Max) Range(float sigmas)
    {
        ObserverGuard.RequireData(Count);
        double s = Std;
        return ((float)Math.Max(Min, _mean - sigmas * s), (float)Math.Min(Max, _mean + sigmas * s));
    }

    Histogram? IStatsSource.Histogram => null;
}
