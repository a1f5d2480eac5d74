using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// One tensor's histogram in two parts: the values of the samples ranges are fitted on, and those of
/// the held-out samples (told apart by <see cref="HeldOutSplit.InHeldOut"/>), so candidate ranges
/// can be scored on data they did not see; and a third over every sample, binned exactly as the
/// single method's <see cref="HistogramObserver"/> bins the plain data, which the final ranges come from.
/// </summary>
internal sealed class SplitHistogram(HeldOutSplit split, int bins) : IObserver
{
    public Histogram Fit { get; } = new(bins);
    public Histogram HeldOut { get; } = new(bins);

    /// <summary>
    /// Every sample's values, sampled as whole batches are: merging <see cref="Fit"/> and <see cref="HeldOut"/>
    /// instead would sample the cut batch's two pieces with their own strides, so `auto` choosing a method
    /// would not reproduce that method's ranges (on the ViT it cost 8 test images of 10,000).
    /// </summary>
    public Histogram All { get; } = new(bins);

    public long Count => Fit.Count + HeldOut.Count;

    public void Observe(ReadOnlySpan<float> values)
    {
        // One pass for min, max and count serves both histograms: on MobileNetV2 the second pass cost a fifth of auto's calibration.
        var stats = FiniteStats.MinMax(values);
        (split.InHeldOut ? HeldOut : Fit).Add(values, HistogramObserver.SampleStride(values.Length), 0, stats);
        var (offset, count, whole) = split.Piece;
        // Samples lie along the outermost axis, so a piece is a contiguous slice of the whole batch's values.
        if (count == whole || count <= 0 || values.Length % count != 0)
        {
            All.Add(values, HistogramObserver.SampleStride(values.Length), 0, stats);
            return;
        }
        long perSample = values.Length / count, wholeLength = perSample * whole;
        int stride = HistogramObserver.SampleStride((int)Math.Min(wholeLength, int.MaxValue));
        long start = perSample * offset;
        All.Add(values, stride, (int)((stride - start % stride) % stride), stats);
    }

    public (float Min, float Max) Range(QuantSpec spec) => (Math.Min(Fit.Min, HeldOut.Min), Math.Max(Fit.Max, HeldOut.Max));
}
