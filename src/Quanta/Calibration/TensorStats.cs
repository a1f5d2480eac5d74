namespace Quanta.Calibration;

/// <summary>
/// What calibration learnt about one tensor: the finite values' Min/Max/Count, the chosen clipping
/// range [RangeMin, RangeMax], and (for histogram methods) the histogram — counts over [−HistogramRange, HistogramRange].
/// </summary>
internal sealed record TensorStats(
    float Min,
    float Max,
    long Count,
    float RangeMin,
    float RangeMax,
    long[]? HistogramCounts = null,
    double HistogramRange = 0)
{
    /// <summary>The saved histogram, or null when the method kept none.</summary>
    public Histogram? ToHistogram() =>
        HistogramCounts is null ? null : Histogram.Restore(HistogramCounts, HistogramRange, Min, Max);
}
