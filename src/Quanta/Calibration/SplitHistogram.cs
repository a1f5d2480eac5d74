using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// One tensor's histogram in two parts: the values of the samples ranges are fitted on, and those of
/// the held-out samples (told apart by <see cref="HeldOutSplit.InHeldOut"/>), so candidate ranges
/// can be scored on data they did not see, then the chosen method re-run on everything.
/// </summary>
internal sealed class SplitHistogram(HeldOutSplit split, int bins) : IObserver
{
    public Histogram Fit { get; } = new(bins);
    public Histogram HeldOut { get; } = new(bins);
    public long Count => Fit.Count + HeldOut.Count;

    public void Observe(ReadOnlySpan<float> values) =>
        (split.InHeldOut ? HeldOut : Fit).Add(values, HistogramObserver.SampleStride(values.Length));

    /// <summary>Both parts merged: what the final range is chosen from.</summary>
    public Histogram All()
    {
        var all = new Histogram(Fit.Bins);
        all.Merge(Fit);
        all.Merge(HeldOut);
        return all;
    }

    public (float Min, float Max) Range(QuantSpec spec) => (Math.Min(Fit.Min, HeldOut.Min), Math.Max(Fit.Max, HeldOut.Max));
}
