using Quanta.Detect.Drawing;
using Quanta.Detect.Frames;

namespace Quanta.Detect.Sinks;

/// <summary>Annotated frames as frame_000000.png, … in a folder (created; files of an earlier run are overwritten).</summary>
public sealed class PngFolderSink : IFrameSink
{
    readonly string _folder;

    public string Description => _folder;

    public PngFolderSink(string folder)
    {
        _folder = folder;
        if (File.Exists(folder)) throw QuantaException.BadInput($"--output {folder}: is a file; name a folder, or a .mp4/.gif for a video");
        Directory.CreateDirectory(folder);
    }

    public void Write(Frame frame)
    {
        string path = Path.Combine(_folder, $"frame_{frame.Index:000000}.png");
        File.WriteAllBytes(path + ".tmp", PngWriter.Encode(frame.Pixels, frame.Width, frame.Height));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public void Complete() { }

    public void Dispose() { }
}
