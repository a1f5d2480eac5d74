namespace Quanta.Data;

/// <summary>
/// Samples of one or more arrays that share a sample axis: the arrays of an .npz keyed by model
/// input name (<c>input_ids</c>, <c>attention_mask</c>, …), or a lone .npy/.npz array (unnamed: it
/// feeds the model's only input). Image arrays (uint8, or float with samples of rank 3) get the
/// preprocessing flags; float arrays of other ranks are taken as they are; integer and boolean
/// arrays keep their type. Labels come from a y/labels/label array when there is one: [N], or
/// [N, T] for outputs of class scores per step.
/// </summary>
internal sealed class NamedArraysDataset : IDataset
{
    readonly List<Column> _columns;
    readonly int[]? _labels;
    readonly int _labelsPerSample = 1;

    public string Description { get; }
    public int Count { get; }
    public long[] SampleShape => _columns[0].SampleShape;
    public bool HasLabels => _labels is not null;

    /// <summary>One array: its key (null when unnamed), its shape, and how to batch it.</summary>
    sealed record Column(string? Name, long[] SampleShape, int Total, Func<int, IEnumerable<BatchTensor>> Batches);

    public NamedArraysDataset(string what, IReadOnlyList<(string? Name, NpyEntry Entry)> arrays, NpyEntry? labels, DataOptions options)
    {
        _columns = arrays.Select(a => Open(a.Name, a.Entry, options, arrays.Count == 1)).ToList();
        int total = _columns[0].Total;
        foreach (var c in _columns)
            if (c.Total != total)
                throw QuantaException.BadInput($"{what}: arrays disagree on the number of samples ({string.Join(", ", _columns.Select(x => $"{x.Name}: {x.Total}"))})");
        var selection = SubsetSelector.Select(total, options, what);
        Count = SubsetSelector.CountOf(selection, total);
        if (labels is not null)
        {
            _labelsPerSample = NpyLabels.PerSample(labels);
            _labels = NpyLabels.Read(labels, total, selection, _labelsPerSample);
        }
        string inputs = arrays.Count == 1 && arrays[0].Name is null ? "" : $", inputs {string.Join(", ", arrays.Select(a => a.Name))}";
        Description = $"{Path.GetFileName(what)} ({Count} of {total} samples{inputs})";
    }

    static Column Open(string? name, NpyEntry entry, DataOptions options, bool only)
    {
        if (RawNpyColumn.Handles(entry))
        {
            var raw = new RawNpyColumn(entry, options);
            return new Column(name, raw.SampleShape, raw.Total, size => raw.Batches(size, name));
        }
        // Float data of one input that is not an image (a state, features) is taken as stored.
        var probe = new NpyDataset(entry, null, options with { Preprocessing = Preprocessing.Identity });
        bool image = probe.SampleShape.Length == 3 || only;
        var ds = image ? new NpyDataset(entry, null, options) : probe;
        return new Column(name, ds.SampleShape, probe.Total, size => ds.Batches(size).Select(b => b.Inputs[0] with { Name = name }));
    }

    public IEnumerable<Batch> Batches(int batchSize)
    {
        if (batchSize <= 0) throw QuantaException.BadInput($"batch size must be positive, got {batchSize}");
        return Iterate(batchSize);
    }

    IEnumerable<Batch> Iterate(int batchSize)
    {
        var enumerators = _columns.Select(c => c.Batches(batchSize).GetEnumerator()).ToList();
        try
        {
            int start = 0;
            while (enumerators.All(e => e.MoveNext()))
            {
                var inputs = enumerators.Select(e => e.Current).ToList();
                int n = (int)inputs[0].Shape[0];
                yield return new Batch { Inputs = inputs, Labels = _labels?.AsSpan(start * _labelsPerSample, n * _labelsPerSample).ToArray() };
                start += n;
            }
        }
        finally
        {
            foreach (var e in enumerators) e.Dispose();
        }
    }
}
