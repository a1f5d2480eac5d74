using Quanta.Data;

namespace Quanta.Calibration;

/// <summary>
/// The calibration samples in their usual order and batches, except that the batch straddling the
/// last <see cref="HeldOutCount"/> samples is cut in two, so an observer can tell (through
/// <see cref="InHeldOut"/>, set while those batches stream) which values come from the held-out
/// samples. One pass feeds both; <see cref="HeldOut"/> replays just the held-out samples for scoring.
/// The bytes streamed are the same as the plain data's, so the calibration digest does not change.
/// </summary>
internal sealed class HeldOutSplit(IDataset data, int heldOut) : IDataset
{
    public int HeldOutCount { get; } = Math.Clamp(heldOut, 0, data.Count);
    /// <summary>True while the batch being consumed holds held-out samples.</summary>
    public bool InHeldOut { get; private set; }

    public string Description => data.Description;
    public int Count => data.Count;
    public long[] SampleShape => data.SampleShape;
    public bool HasLabels => data.HasLabels;

    public IEnumerable<Batch> Batches(int batchSize) => Stream(batchSize, includeFit: true);

    /// <summary>Only the held-out samples (the last <see cref="HeldOutCount"/>).</summary>
    public IDataset HeldOut => new View(this);

    IEnumerable<Batch> Stream(int batchSize, bool includeFit)
    {
        int boundary = Count - HeldOutCount, index = 0;
        InHeldOut = false;
        foreach (var b in data.Batches(batchSize))
        {
            int start = index, end = index + b.Count;
            index = end;
            if (end <= boundary)
            {
                if (includeFit) yield return b;
                continue;
            }
            if (start >= boundary)
            {
                InHeldOut = true;
                yield return b;
                continue;
            }
            int cut = boundary - start;
            if (includeFit) yield return Slice(b, 0, cut);
            InHeldOut = true;
            yield return Slice(b, cut, b.Count);
        }
        InHeldOut = false;
    }

    static Batch Slice(Batch b, int from, int to) =>
        new() { Inputs = b.Inputs.Select(t => t.Slice(from, to)).ToList(), Labels = b.Labels?.AsSpan(from, to - from).ToArray() };

    sealed class View(HeldOutSplit split) : IDataset
    {
        public string Description => $"{split.Description} (last {split.HeldOutCount} held out)";
        public int Count => split.HeldOutCount;
        public long[] SampleShape => split.SampleShape;
        public bool HasLabels => split.HasLabels;
        public IEnumerable<Batch> Batches(int batchSize) => split.Stream(batchSize, includeFit: false);
    }
}
