using Quanta.Detect.Frames;
using StbImageSharp;

namespace Quanta.Detect.Sources;

/// <summary>
/// A folder of images (PNG, JPEG, BMP, TGA) in file-name order; every frame takes the first
/// image's size (others are resized, nearest neighbour), since one video stream has one size.
/// </summary>
public sealed class ImageFolderSource : IFrameSource
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".tga"];
    readonly string[] _files;
    int _next;

    public string Description { get; }
    public int Width { get; }
    public int Height { get; }
    public double? FramesPerSecond => null;
    public int? Count => _files.Length;
    public bool IsLive => false;

    public ImageFolderSource(string folder)
    {
        _files = Directory.EnumerateFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToArray();
        if (_files.Length == 0) throw QuantaException.BadInput($"--source {folder}: no images (.png, .jpg, .bmp, .tga) in the folder");
        var first = Decode(_files[0]);
        (Width, Height) = (first.Width, first.Height);
        Description = $"{folder} ({_files.Length} images)";
    }

    public bool Read(Frame frame)
    {
        if (_next >= _files.Length) return false;
        var image = Decode(_files[_next++]);
        if (image.Width == Width && image.Height == Height) image.Data.CopyTo(frame.Pixels, 0);
        else ImageResize.NearestRgb(image.Data, image.Width, image.Height, frame.Pixels, Width, Height);
        return true;
    }

    static ImageResult Decode(string file)
    {
        try
        {
            return ImageResult.FromMemory(File.ReadAllBytes(file), ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
        {
            throw QuantaException.BadInput($"--source {file}: not a readable image ({e.Message})");
        }
    }

    public void Dispose() { }
}
