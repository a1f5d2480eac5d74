using Quanta.Data;

namespace Quanta.Cli.Report;

/// <summary>The first <c>count</c> samples of a dataset (a cheap look at calibration data for reports).</summary>
sealed class FirstSamples(IDataset inner, int count) : IDataset
{
    public string Description => $"{inner.Description} (first {Count})";
    public int Count { get; } = Math.Min(count, inner.Count);
    public long[] SampleShape => inner.SampleShape;
    public bool HasLabels => inner.HasLabels;

    public IEnumerable<Batch> Batches(int batchSize)
    {
        int left = Count;
        foreach (var b in inner.Batches(Math.Min(batchSize, Count)))
        {
            if (left <= 0) yield break;
            if (b.Count <= left) { left -= b.Count; yield return b; continue; }
            yield return Take(b, left);
            yield break;
        }
    }

    static Batch Take(Batch b, int n) =>
        new() { Inputs = b.Inputs.Select(t => t.Take(n)).ToList(), Labels = b.LabelsOf(0, n) };
}
