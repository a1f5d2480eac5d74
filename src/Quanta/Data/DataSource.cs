namespace Quanta.Data;

/// <summary>
/// The one entry point for <c>--data</c>, <c>--calib</c> and <c>--train</c>: turns what the user
/// typed into a dataset. Accepted forms:
/// <list type="bullet">
/// <item><c>DIR:train</c> / <c>DIR:test</c> — a folder of IDX files (MNIST layout, raw or .gz);</item>
/// <item><c>DIR</c> — a folder of class sub-folders of images;</item>
/// <item><c>FILE.npy</c> / <c>FILE.npz</c> — arrays [N, ...] (an .npz may carry labels; an .npz with
/// several arrays feeds the model inputs its keys name);</item>
/// <item><c>DIR</c> of .npz files — the same, one bucket of equal shapes per file.</item>
/// <item><c>FILE.npy</c> / <c>FILE.npz</c> — arrays [N, ...] (an .npz may carry labels);</item>
/// <item><c>FILE.txt</c> — text as byte-token windows for a language model (<see cref="ByteTextDataset"/>).</item>
/// </list>
/// Metadata is read and checked here, so a bad input fails before any work starts.
/// </summary>
public static class DataSource
{
    public static IDataset Open(string spec, DataOptions options)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw QuantaException.BadInput("data: no path given");
        ArgumentNullException.ThrowIfNull(options);
        if (options.Preprocessing is null) throw QuantaException.BadInput($"{spec}: no preprocessing given");

        var (path, split) = SplitSpec(spec);
        if (Directory.Exists(path)) return OpenFolder(path, split, options);
        if (File.Exists(path))
        {
            if (split is not null)
                throw QuantaException.BadInput($"{spec}: ':{split}' names a split of an IDX folder, but {path} is a file");
            string ext = Path.GetExtension(path).ToLowerInvariant();
            return ext switch
            {
                ".npy" => OpenArrays(path, [(null, NpyEntry.FromFile(path))], null, options),
                ".npz" => OpenNpz(path, options),
                ".txt" => new ByteTextDataset(path, ByteTextDataset.DefaultSeq, options.Count, options.Seed),
                _ => throw QuantaException.BadInput($"{path}: unsupported data file (expected .npy, .npz, .txt, an IDX folder DIR:train|test, or a folder of class sub-folders of images)"),
            };
        }
        throw QuantaException.BadInput($"{path}: no such file or folder");
    }

    /// <summary>"DIR:train" → (DIR, "train"): only the last colon, and only for train/test, so drive letters and odd names survive.</summary>
    internal static (string Path, string? Split) SplitSpec(string spec)
    {
        int colon = spec.LastIndexOf(':');
        if (colon > 0)
        {
            string suffix = spec[(colon + 1)..];
            if (suffix is "train" or "test") return (spec[..colon], suffix);
        }
        return (spec, null);
    }

    static IDataset OpenFolder(string dir, string? split, DataOptions options)
    {
        bool idx = IdxDataset.Present(dir);
        if (split is not null)
        {
            if (!idx)
                throw QuantaException.BadInput($"{dir}: no IDX files (train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz]) for split '{split}'");
            return new IdxDataset(dir, split, options);
        }
        if (idx)
            throw QuantaException.BadInput($"{dir}: holds IDX files; name the split: {dir}:train or {dir}:test");
        if (NpzFolderDataset.Files(dir).Length > 0) return new NpzFolderDataset(dir, options);
        if (ImageFolderDataset.ClassFolders(dir).Length == 0)
            throw QuantaException.BadInput($"{dir}: no IDX files (train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz]), no .npz files and no class sub-folders of images");
        return new ImageFolderDataset(dir, options);
    }

    /// <summary>
    /// An .npz: a lone data array (besides labels) feeds the model's only input, as a single .npy
    /// does; several arrays feed the inputs their keys name. An array named x, images, data or
    /// input is "the" data of a single-input file when no other array has as many samples.
    /// </summary>
    internal static IDataset OpenNpz(string path, DataOptions options)
    {
        var members = NpyEntry.Members(path);
        var labels = NpyEntry.LabelsOf(members);
        var data = members.Where(m => labels is null || m.Key != labels.Value.Key).ToList();
        if (data.Count == 0) throw QuantaException.BadInput($"{path}: the .npz holds only a label array ({labels!.Value.Key})");
        if (data.FirstOrDefault(d => GenericDataKeys.Contains(d.Key)) is { Entry: not null } generic)
        {
            long samples = Samples(generic.Entry);
            data = data.Where(d => d.Key == generic.Key || Samples(d.Entry) == samples).ToList();
        }
        var arrays = data.Count == 1
            ? [(null, data[0].Entry)]
            : data.Select(d => ((string?)d.Key, d.Entry)).ToList();
        return OpenArrays(path, arrays, labels?.Entry, options);
    }

    static readonly string[] GenericDataKeys = ["x", "images", "data", "input"];

    static long Samples(NpyEntry entry) => entry.Header.Shape is { Length: > 0 } shape ? shape[0] : -1;

    static IDataset OpenArrays(string path, List<(string? Name, NpyEntry Entry)> arrays, NpyEntry? labels, DataOptions options)
    {
        // A lone float or uint8 array is image-like data: the streamed float reader with its preprocessing
        // (which carries one label per sample; labels per step go with the arrays' reader).
        if (arrays.Count == 1 && !RawNpyColumn.Handles(arrays[0].Entry) && (labels is null || NpyLabels.PerSample(labels) == 1))
            return new NpyDataset(arrays[0].Entry, labels, options);
        return new NamedArraysDataset(path, arrays, labels, options);
    }
}
