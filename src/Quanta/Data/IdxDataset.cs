namespace Quanta.Data;

/// <summary>
/// A folder in MNIST / Fashion-MNIST layout: <c>{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]</c>.
/// Headers and labels are read at construction; pixels are streamed per enumeration.
/// </summary>
internal sealed class IdxDataset : StreamedDataset
{
    readonly IdxFile _images;
    readonly int[]? _selection;
    readonly int[] _labels;          // labels of the yielded samples, in yield order
    readonly int _rows, _cols, _outH, _outW, _channels;
    readonly Layout _layout;
    readonly Normalization _norm;

    public override string Description { get; }
    public override int Count { get; }
    public override long[] SampleShape { get; }
    public override bool HasLabels => true;

    /// <summary>True when <paramref name="dir"/> holds IDX image files of either split.</summary>
    public static bool Present(string dir) =>
        FindFile(dir, "train-images-idx3-ubyte") is not null || FindFile(dir, "t10k-images-idx3-ubyte") is not null;

    public IdxDataset(string dir, string split, DataOptions options)
    {
        string prefix = split == "train" ? "train" : "t10k";
        string imagesPath = FindFile(dir, $"{prefix}-images-idx3-ubyte")
            ?? throw QuantaException.BadInput($"{dir}: no {prefix}-images-idx3-ubyte[.gz] for split '{split}'");
        string labelsPath = FindFile(dir, $"{prefix}-labels-idx1-ubyte")
            ?? throw QuantaException.BadInput($"{dir}: no {prefix}-labels-idx1-ubyte[.gz] for split '{split}' (labels are required next to {Path.GetFileName(imagesPath)})");

        _images = IdxFile.Read(imagesPath, 3);
        var labelFile = IdxFile.Read(labelsPath, 1);
        int n = _images.Dims[0];
        _rows = _images.Dims[1];
        _cols = _images.Dims[2];
        if (labelFile.Dims[0] != n)
            throw QuantaException.BadInput($"{labelsPath}: {labelFile.Dims[0]} labels for {n} images in {Path.GetFileName(imagesPath)}");
        if (n > 0 && (_rows == 0 || _cols == 0))
            throw QuantaException.BadInput($"{imagesPath}: images of size {_rows}x{_cols}");

        _selection = SubsetSelector.Select(n, options.Count, options.Seed, imagesPath);
        Count = SubsetSelector.CountOf(_selection, n);
        var all = labelFile.ReadAllData();
        _labels = new int[Count];
        for (int i = 0; i < Count; i++) _labels[i] = all[SubsetSelector.IndexAt(_selection, i)];

        var p = options.Preprocessing;
        var (h, w) = ImageOps.Target(p, imagesPath);
        (_outH, _outW) = h == 0 ? (_rows, _cols) : (h, w);
        _channels = ImageOps.OutputChannels(p, 1, imagesPath);
        _layout = p.Layout;
        _norm = Normalization.For(p, _channels, 255f, imagesPath);
        SampleShape = ImageTransform.Shape(_outH, _outW, _channels, _layout);

        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
        Description = $"{name}:{split} ({Count} of {n} images)";
    }

    static string? FindFile(string dir, string stem)
    {
        // Raw first: when both exist the uncompressed file is the cheaper one to stream.
        foreach (var candidate in new[] { stem, stem + ".gz" })
        {
            var path = Path.Combine(dir, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    protected override ISampleReader OpenReader() => new Reader(this);

    sealed class Reader : ISampleReader
    {
        readonly IdxDataset _ds;
        readonly Stream _stream;
        readonly byte[] _pixels;
        readonly byte[] _scratch = new byte[1 << 16];
        readonly ImageTransform _transform;
        int _ordinal;
        long _position;     // file index of the next sample in the stream

        public Reader(IdxDataset ds)
        {
            _ds = ds;
            _pixels = new byte[ds._rows * ds._cols];
            _transform = new ImageTransform(ds._outH, ds._outW, ds._channels, ds._layout, ds._norm);
            _stream = ds._images.OpenData();
        }

        public int ReadNext(Span<float> destination)
        {
            int index = SubsetSelector.IndexAt(_ds._selection, _ordinal);
            DataStreams.Skip(_stream, (index - _position) * _pixels.Length, _scratch, _ds._images.Path);
            DataStreams.ReadExactly(_stream, _pixels, _ds._images.Path);
            _position = index + 1;
            _transform.Apply(_pixels, _ds._cols, _ds._rows, 1, destination);
            return _ds._labels[_ordinal++];
        }

        public void Dispose() => _stream.Dispose();
    }
}
