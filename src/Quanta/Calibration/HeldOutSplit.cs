using Quanta.Data;

namespace Quanta.Calibration;

/// <summary>
/// The calibration samples in their usual order and batches, except that the batch straddling the
/// last <see cref="HeldOutCount"/> samples is cut in two, so an observer can tell (through
/// <see cref="InHeldOut"/>, set while those batches stream) which values come from the held-out
/// samples. One pass feeds both; <see cref="HeldOut"/> replays just the held-out samples for scoring.
/// The bytes streamed are the same as the plain data's, so the calibration digest does not change.
/// <para>
/// The held-out batches of the last complete pass are kept (copies, at most <see cref="KeepBytes"/>):
/// scoring replays them from memory, since reaching the last samples of a streamed data set means
/// reading (and decompressing) everything before them again — on Fashion-MNIST that read cost more
/// than scoring a candidate.
/// </para>
/// </summary>
internal sealed class HeldOutSplit(IDataset data, int heldOut) : IDataset
{
    /// <summary>Largest held-out input kept in memory for scoring; larger ones are streamed again.</summary>
    public const long KeepBytes = 64L << 20;

    public int HeldOutCount { get; } = Math.Clamp(heldOut, 0, data.Count);
    /// <summary>The held-out batches of the last complete pass, when they fit in <see cref="KeepBytes"/>.</summary>
    List<Batch>? _kept;
    /// <summary>True while the batch being consumed holds held-out samples.</summary>
    public bool InHeldOut { get; private set; }

    /// <summary>
    /// Where the batch being consumed lies in the data's own batch: its first sample's index there, its
    /// sample count, and the whole batch's. Only the batch straddling the boundary is cut; an observer can
    /// then treat its two pieces as the one batch the plain data would have streamed.
    /// </summary>
    public (int Offset, int Count, int Whole) Piece { get; private set; }

    public string Description => data.Description;
    public int Count => data.Count;
    public long[] SampleShape => data.SampleShape;
    public bool HasLabels => data.HasLabels;

    public IEnumerable<Batch> Batches(int batchSize) => Stream(batchSize, includeFit: true);

    /// <summary>Only the held-out samples (the last <see cref="HeldOutCount"/>).</summary>
    public IDataset HeldOut => new View(this);

    IEnumerable<Batch> Stream(int batchSize, bool includeFit)
    {
        if (!includeFit && _kept is not null)
        {
            foreach (var b in _kept)
                for (int from = 0; from < b.Count; from += batchSize)
                    yield return from == 0 && b.Count <= batchSize ? b : Slice(b, from, Math.Min(b.Count, from + batchSize));
            yield break;
        }
        int boundary = Count - HeldOutCount, index = 0;
        List<Batch>? kept = [];
        long keptBytes = 0;
        InHeldOut = false;
        foreach (var b in data.Batches(batchSize))
        {
            int start = index, end = index + b.Count;
            index = end;
            if (end <= boundary)
            {
                Piece = (0, b.Count, b.Count);
                if (includeFit) yield return b;
                continue;
            }
            int cut = Math.Max(0, boundary - start);
            if (includeFit && cut > 0)
            {
                Piece = (0, cut, b.Count);
                yield return Slice(b, 0, cut);
            }
            // A copy: datasets may reuse a batch's buffers after the next one is read.
            var held = Slice(b, cut, b.Count);
            Piece = (cut, b.Count - cut, b.Count);
            keptBytes += held.Inputs.Sum(t => (long)Buffer.ByteLength(t.Values));
            if (kept is not null && keptBytes <= KeepBytes) kept.Add(held);
            else kept = null;
            InHeldOut = true;
            yield return held;
        }
        InHeldOut = false;
        if (kept is not null && index == Count) _kept = kept;
    }

    static Batch Slice(Batch b, int from, int to) =>
        new() { Inputs = b.Inputs.Select(t => t.Slice(from, to)).ToList(), Labels = b.LabelsOf(from, to) };

    sealed class View(HeldOutSplit split) : IDataset
    {
        public string Description => $"{split.Description} (last {split.HeldOutCount} held out)";
        public int Count => split.HeldOutCount;
        public long[] SampleShape => split.SampleShape;
        public bool HasLabels => split.HasLabels;
        public IEnumerable<Batch> Batches(int batchSize) => split.Stream(batchSize, includeFit: false);
    }
}
