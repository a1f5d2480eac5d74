using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>Base of the observers that choose their range from a streaming <see cref="Calibration.Histogram"/>.</summary>
internal abstract class HistogramObserver : IObserver, IStatsSource
{
    protected HistogramObserver(int bins) => Histogram = new Histogram(bins);

    /// <summary>Starts from saved statistics, so calibration and range selection can be separate steps.</summary>
    protected HistogramObserver(Histogram histogram) => Histogram = histogram;

    public Histogram Histogram { get; }
    public long Count => Histogram.Count;
    public float Min => Histogram.Min;
    public float Max => Histogram.Max;

    /// <summary>Batches larger than this are binned from a strided sample (min/max still see every value).</summary>
    public const int MaxBinnedPerBatch = 1 << 18;

    public void Observe(ReadOnlySpan<float> values) => Histogram.Add(values, SampleStride(values.Length));

    /// <summary>
    /// The smallest prime stride that bins at most <see cref="MaxBinnedPerBatch"/> values. A prime
    /// does not line up with the power-of-two-ish strides of image layouts, so the sample covers
    /// every channel and position instead of the same columns over and over.
    /// </summary>
    public static int SampleStride(int length)
    {
        int stride = (length + MaxBinnedPerBatch - 1) / MaxBinnedPerBatch;
        if (stride <= 1) return 1;
        while (!IsPrime(stride)) stride++;
        return stride;
    }

    static bool IsPrime(int n)
    {
        if (n < 2) return false;
        for (int d = 2; d * d <= n; d++) if (n % d == 0) return false;
        return true;
    }

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
