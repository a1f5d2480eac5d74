using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// PyTorch's MovingAverageMinMaxObserver: each Observe call is one batch; the first batch sets
/// min/max, later ones move them by <c>momentum · (batch − running)</c>. Smooths batch-to-batch
/// outliers that MinMax keeps forever. Batches without finite values are skipped.
/// </summary>
internal sealed class MovingAverageMinMaxObserver : IObserver, IStatsSource
{
    readonly float _momentum;
    public float Min { get; private set; }
    public float Max { get; private set; }
    public long Count { get; private set; }

    public MovingAverageMinMaxObserver(float momentum = 0.01f)
    {
        if (!(momentum > 0 && momentum <= 1)) throw QuantaException.BadInput($"momentum must be in (0, 1], got {momentum}");
        _momentum = momentum;
    }

    public void Observe(ReadOnlySpan<float> values)
    {
        var (mn, mx, n) = FiniteStats.MinMax(values);
        if (n == 0) return;
        if (Count == 0) { Min = mn; Max = mx; }
        else
        {
            Min += _momentum * (mn - Min);
            Max += _momentum * (mx - Max);
        }
        Count += n;
    }

    public (float Min, float Max) Range(QuantSpec spec)
    {
        ObserverGuard.RequireData(Count);
        return (Min, Max);
    }

    Histogram? IStatsSource.Histogram => null;
}
