namespace Quanta.Data;

/// <summary>
/// Samples already in memory: one float array of <c>count × sample length</c> values (row-major,
/// first axis = samples), already preprocessed as the model expects them, with optional class
/// labels. What a program that holds its own data (a build step, a service quantizing uploads)
/// hands to calibration and evaluation instead of a file.
/// </summary>
public sealed class ArrayDataset : IDataset
{
    readonly float[] _values;
    readonly int[]? _labels;

    /// <param name="values">All samples back to back.</param>
    /// <param name="sampleShape">Shape of one sample, e.g. [1, 28, 28].</param>
    /// <param name="labels">One class per sample, or null.</param>
    /// <param name="description">How messages name the data.</param>
    public ArrayDataset(float[] values, long[] sampleShape, int[]? labels = null, string description = "in-memory samples")
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(sampleShape);
        long length = sampleShape.Aggregate(1L, (a, d) => a * d);
        if (length <= 0 || sampleShape.Any(d => d <= 0))
            throw QuantaException.BadInput($"{description}: sample shape [{string.Join(", ", sampleShape)}] must have positive dimensions");
        if (values.Length % length != 0)
            throw QuantaException.BadInput($"{description}: {values.Length} values are not a whole number of samples of [{string.Join(", ", sampleShape)}]");
        Count = (int)(values.Length / length);
        if (labels is not null && labels.Length != Count)
            throw QuantaException.BadInput($"{description}: {labels.Length} labels for {Count} samples");
        _values = values;
        _labels = labels;
        SampleShape = (long[])sampleShape.Clone();
        Description = $"{description} ({Count} samples)";
    }

    public string Description { get; }
    public int Count { get; }
    public long[] SampleShape { get; }
    public bool HasLabels => _labels is not null;

    public IEnumerable<Batch> Batches(int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        int length = (int)(_values.Length / Math.Max(1, Count));
        for (int start = 0; start < Count; start += batchSize)
        {
            int n = Math.Min(batchSize, Count - start);
            var data = _values.AsSpan(start * length, n * length).ToArray();
            long[] shape = [n, .. SampleShape];
            yield return Batch.Of(data, shape, _labels?[start..(start + n)]);
        }
    }
}
