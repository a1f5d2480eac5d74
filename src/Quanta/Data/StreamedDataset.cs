namespace Quanta.Data;

/// <summary>
/// Reads the selected samples of one enumeration, in order. Each call fills one preprocessed
/// sample and returns its label (0 when the dataset has none). Owns the open file until disposed.
/// </summary>
internal interface ISampleReader : IDisposable
{
    int ReadNext(Span<float> destination);
}

/// <summary>
/// Shared batching for all datasets: metadata is fixed at construction, and every call to
/// <see cref="Batches"/> opens a fresh reader so that memory stays at one batch plus the
/// reader's fixed buffers, however large the file.
/// </summary>
internal abstract class StreamedDataset : IDataset
{
    public abstract string Description { get; }
    public abstract int Count { get; }
    public abstract long[] SampleShape { get; }
    public abstract bool HasLabels { get; }

    protected abstract ISampleReader OpenReader();

    public IEnumerable<Batch> Batches(int batchSize)
    {
        // Checked here, not inside the iterator, so a bad size fails at the call, not at the first MoveNext.
        if (batchSize <= 0) throw QuantaException.BadInput($"batch size must be positive, got {batchSize}");
        return Iterate(batchSize);
    }

    IEnumerable<Batch> Iterate(int batchSize)
    {
        var sampleShape = SampleShape;
        long sampleLength = 1;
        foreach (var d in sampleShape) sampleLength *= d;
        if (sampleLength * Math.Min(batchSize, Count) > Array.MaxLength)
            throw QuantaException.BadInput($"{Description}: a batch of {batchSize} samples of {sampleLength} values is too large; use a smaller batch size");
        int len = (int)sampleLength;

        using var reader = OpenReader();
        for (int start = 0; start < Count; start += batchSize)
        {
            int n = Math.Min(batchSize, Count - start);
            var data = new float[n * len];
            var labels = HasLabels ? new int[n] : null;
            for (int i = 0; i < n; i++)
            {
                int label = reader.ReadNext(data.AsSpan(i * len, len));
                if (labels is not null) labels[i] = label;
            }
            var shape = new long[sampleShape.Length + 1];
            shape[0] = n;
            sampleShape.CopyTo(shape, 1);
            yield return Batch.Of(data, shape, labels);
        }
    }
}
