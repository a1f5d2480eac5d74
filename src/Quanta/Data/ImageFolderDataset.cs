using StbImageSharp;

namespace Quanta.Data;

/// <summary>
/// An ImageNet-style folder: one sub-folder per class (sorted ordinally → labels 0..K-1), holding
/// .png/.jpg/.jpeg/.bmp files (sorted ordinally). File headers are probed at construction so an
/// unreadable image fails at Open; pixels are decoded one image at a time per enumeration.
/// </summary>
internal sealed class ImageFolderDataset : StreamedDataset
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    readonly string[] _paths;     // yielded files, in yield order
    readonly int[] _labels;
    readonly int _height, _width, _channels;
    readonly Layout _layout;
    readonly Normalization _norm;

    public IReadOnlyList<string> Classes { get; }
    public override string Description { get; }
    public override int Count => _paths.Length;
    public override long[] SampleShape { get; }
    public override bool HasLabels => true;

    /// <summary>Class sub-folders of <paramref name="dir"/>, sorted ordinally (hidden folders skipped).</summary>
    public static string[] ClassFolders(string dir)
    {
        try
        {
            var dirs = Directory.GetDirectories(dir)
                .Where(d => !Path.GetFileName(d).StartsWith('.'))
                .ToArray();
            Array.Sort(dirs, StringComparer.Ordinal);
            return dirs;
        }
        catch (Exception e) when (DataStreams.IsIoError(e))
        {
            throw QuantaException.BadInput($"{dir}: cannot list the folder ({e.Message})", e);
        }
    }

    public ImageFolderDataset(string dir, DataOptions options)
    {
        var classDirs = ClassFolders(dir);
        Classes = classDirs.Select(Path.GetFileName).ToArray()!;
        var paths = new List<string>();
        var labels = new List<int>();
        for (int k = 0; k < classDirs.Length; k++)
        {
            string[] files;
            try
            {
                files = Directory.GetFiles(classDirs[k])
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .ToArray();
            }
            catch (Exception e) when (DataStreams.IsIoError(e))
            {
                throw QuantaException.BadInput($"{classDirs[k]}: cannot list the folder ({e.Message})", e);
            }
            Array.Sort(files, StringComparer.Ordinal);
            paths.AddRange(files);
            for (int i = 0; i < files.Length; i++) labels.Add(k);
        }
        if (paths.Count == 0)
            throw QuantaException.BadInput($"{dir}: no images (.png .jpg .jpeg .bmp) in its {classDirs.Length} class sub-folder(s)");

        var selection = SubsetSelector.Select(paths.Count, options.Count, options.Seed, dir);
        int count = SubsetSelector.CountOf(selection, paths.Count);
        _paths = new string[count];
        _labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int index = SubsetSelector.IndexAt(selection, i);
            _paths[i] = paths[index];
            _labels[i] = labels[index];
        }

        var p = options.Preprocessing;
        var (h, w) = ImageOps.Target(p, dir);
        var first = Probe(_paths[0]);
        _channels = ImageOps.OutputChannels(p, (int)first.ColorComponents, dir);
        if (h == 0)
        {
            // No size requested: the model gets the images as they are, so they must agree.
            (h, w) = (first.Height, first.Width);
            for (int i = 1; i < count; i++)
            {
                var info = Probe(_paths[i]);
                if (info.Width != first.Width || info.Height != first.Height)
                    throw QuantaException.BadInput($"{_paths[i]}: image is {info.Width}x{info.Height} (WxH) but {_paths[0]} is {first.Width}x{first.Height}; set an input size to resize them");
            }
        }
        else
        {
            for (int i = 1; i < count; i++) Probe(_paths[i]);
        }
        _height = h;
        _width = w;
        _layout = p.Layout;
        _norm = Normalization.For(p, _channels, 255f, dir);
        SampleShape = ImageTransform.Shape(h, w, _channels, _layout);

        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
        Description = $"{name} ({count} of {paths.Count} images, {classDirs.Length} classes)";
    }

    static ImageInfo Probe(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var info = ImageInfo.FromStream(s);
            if (info is null || info.Value.Width <= 0 || info.Value.Height <= 0)
                throw QuantaException.BadInput($"{path}: not a readable image (png, jpg or bmp)");
            return info.Value;
        }
        catch (Exception e) when (e is not QuantaException and not OutOfMemoryException)
        {
            throw QuantaException.BadInput($"{path}: not a readable image ({e.Message})", e);
        }
    }

    protected override ISampleReader OpenReader() => new Reader(this);

    sealed class Reader(ImageFolderDataset ds) : ISampleReader
    {
        readonly ImageTransform _transform = new(ds._height, ds._width, ds._channels, ds._layout, ds._norm);
        int _ordinal;

        public int ReadNext(Span<float> destination)
        {
            int i = _ordinal++;
            string path = ds._paths[i];
            ImageResult image;
            try
            {
                var bytes = File.ReadAllBytes(path);
                // Let the decoder do grey/RGB conversion: it knows palettes and alpha.
                image = ImageResult.FromMemory(bytes, ds._channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw QuantaException.BadInput($"{path}: cannot decode the image ({e.Message})", e);
            }
            _transform.Apply(image.Data, image.Width, image.Height, (int)image.Comp, destination);
            return ds._labels[i];
        }

        public void Dispose() { }
    }
}
