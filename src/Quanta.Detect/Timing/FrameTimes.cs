namespace Quanta.Detect.Timing;

/// <summary>One per-frame time (loop latency, a model's Run) kept in fixed memory: a histogram for percentiles and a decimated series for the plot.</summary>
public sealed class FrameTimes
{
    public LatencyHistogram Histogram { get; } = new();
    public DecimatedSeries Series { get; } = new();

    public long Count => Histogram.Count;
    public double Percentile(double p) => Histogram.Percentile(p);

    public void Add(float ms)
    {
        Histogram.Add(ms);
        Series.Add(ms);
    }
}
