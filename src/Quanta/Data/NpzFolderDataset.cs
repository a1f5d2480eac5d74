namespace Quanta.Data;

/// <summary>
/// A folder of .npz files, each holding samples keyed by model input name. Files may differ in
/// their shapes (sequences of different lengths): a batch never spans two files, so every batch
/// has one shape per input. A subset (<c>--count</c>, <c>--seed</c>) is drawn over all files at
/// once; files are read in name order.
/// </summary>
internal sealed class NpzFolderDataset : IDataset
{
    readonly List<IDataset> _files;

    public string Description { get; }
    public int Count { get; }
    public long[] SampleShape => _files[0].SampleShape;
    public bool HasLabels { get; }

    public static string[] Files(string dir) =>
        Directory.GetFiles(dir, "*.npz").Order(StringComparer.Ordinal).ToArray();

    public NpzFolderDataset(string dir, DataOptions options)
    {
        var paths = Files(dir);
        // Sizes first (headers only), so one seeded subset can be drawn across the files.
        var all = paths.Select(p => DataSource.OpenNpz(p, options with { Count = null, Selection = null })).ToList();
        int total = all.Sum(d => d.Count);
        var selection = SubsetSelector.Select(total, options, dir);
        _files = [];
        int offset = 0;
        for (int f = 0; f < paths.Length; f++)
        {
            int n = all[f].Count;
            if (selection is null) _files.Add(all[f]);
            else
            {
                var local = selection.Where(i => i >= offset && i < offset + n).Select(i => i - offset).ToArray();
                if (local.Length > 0) _files.Add(DataSource.OpenNpz(paths[f], options with { Count = null, Selection = local }));
            }
            offset += n;
        }
        var labelled = all.Select(d => d.HasLabels).Distinct().ToList();
        if (labelled.Count > 1) throw QuantaException.BadInput($"{dir}: some .npz files have labels and some do not");
        HasLabels = labelled[0];
        Count = _files.Sum(d => d.Count);
        Description = $"{dir} ({Count} of {total} samples in {paths.Length} .npz files)";
    }

    public IEnumerable<Batch> Batches(int batchSize)
    {
        if (batchSize <= 0) throw QuantaException.BadInput($"batch size must be positive, got {batchSize}");
        return _files.SelectMany(f => f.Batches(batchSize));
    }
}
