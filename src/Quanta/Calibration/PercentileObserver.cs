using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// Clips the rarest (100 − p)% of values, read from the histogram (within one bin width of the exact quantile).
/// <list type="bullet">
/// <item>Symmetric spec: [−T, T] with T the p-th percentile of |x| (onnxruntime's symmetric percentile).</item>
/// <item>Non-negative data (e.g. after ReLU): [min, p-th percentile] — the whole tail is on the right.</item>
/// <item>Non-positive data: mirrored.</item>
/// <item>Mixed signs, asymmetric spec: (100 − p)/2 % cut from each side (onnxruntime's asymmetric percentile).</item>
/// </list>
/// </summary>
internal sealed class PercentileObserver : HistogramObserver
{
    readonly double _p;

    public PercentileObserver(double percentile = 99.99, int bins = Histogram.DefaultBins) : base(bins) => _p = Check(percentile);

    public PercentileObserver(Histogram histogram, double percentile = 99.99) : base(histogram) => _p = Check(percentile);

    public double Percentile => _p * 100;

    static double Check(double percentile)
    {
        if (!(percentile > 50 && percentile <= 100))
            throw QuantaException.BadInput($"percentile must be in (50, 100], got {percentile}");
        return percentile / 100;
    }

    protected override (double Min, double Max) ChooseRange(QuantSpec spec)
    {
        var h = Histogram;
        if (spec.Symmetric)
        {
            double t = h.AbsQuantile(_p);
            return (-t, t);
        }
        if (h.Min >= 0) return (h.Min, h.Quantile(_p));
        if (h.Max <= 0) return (h.Quantile(1 - _p), h.Max);
        double tail = (1 - _p) / 2;
        return (h.Quantile(tail), h.Quantile(1 - tail));
    }
}
