using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>Base of the observers that choose their range from a streaming <see cref="Calibration.Histogram"/>.</summary>
public abstract class HistogramObserver : IObserver, IStatsSource
{
    protected HistogramObserver(int bins) => Histogram = new Histogram(bins);

    /// <summary>Starts from saved statistics, so calibration and range selection can be separate steps.</summary>
    protected HistogramObserver(Histogram histogram) => Histogram = histogram;

    public Histogram Histogram { get; }
    public long Count => Histogram.Count;
    public float Min => Histogram.Min;
    public float Max => Histogram.Max;

    public void Observe(ReadOnlySpan<float> values) => Histogram.Add(values);

    public (float Min, float Max) Range(QuantSpec spec)
    {
        ObserverGuard.RequireData(Count);
        var (lo, hi) = ChooseRange(spec);
        // Never wider than what was seen, never inverted.
        lo = Math.Max(lo, Min);
        hi = Math.Min(hi, Max);
        return lo <= hi ? ((float)lo, (float)hi) : ((float)hi, (float)lo);
    }

    /// <summary>The method's range; called only when values were observed. The result is clipped to [Min, Max].</summary>
    protected abstract (double Min, double Max) ChooseRange(QuantSpec spec);

    Histogram? IStatsSource.Histogram => Histogram;
}
