using System.Diagnostics;
using Quanta.Detect.Frames;

namespace Quanta.Detect.Sources;

/// <summary>A video file or a V4L2 camera decoded by an ffmpeg child process into raw RGB24 frames.</summary>
public sealed class FfmpegSource : IFrameSource
{
    readonly Process _process;
    readonly Stream _stdout;

    public string Description { get; }
    public int Width { get; }
    public int Height { get; }
    public double? FramesPerSecond { get; }
    public int? Count { get; }
    public bool IsLive { get; }

    FfmpegSource(string description, string[] inputArguments, bool live)
    {
        var info = Ffmpeg.Probe(description, inputArguments);
        (Description, Width, Height, FramesPerSecond, Count, IsLive) = (description, info.Width, info.Height, info.FramesPerSecond, info.Frames, live);
        _process = Ffmpeg.Start(["-v", "error", "-nostdin", .. inputArguments, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], writeStdin: false);
        _stdout = _process.StandardOutput.BaseStream;
    }

    /// <summary>A video file (anything ffmpeg reads).</summary>
    public static FfmpegSource OpenVideo(string path)
    {
        if (!File.Exists(path)) throw QuantaException.BadInput($"--source {path}: no such file");
        return new FfmpegSource(path, ["-i", path], live: false);
    }

    /// <summary>A V4L2 camera such as /dev/video0.</summary>
    public static FfmpegSource OpenCamera(string device)
    {
        if (!File.Exists(device) && !Directory.Exists(device)) throw QuantaException.BadInput($"--source {device}: no such camera (no V4L2 device at that path)");
        return new FfmpegSource(device, ["-f", "v4l2", "-i", device], live: true);
    }

    public bool Read(Frame frame)
    {
        var buffer = frame.Pixels.AsSpan();
        int read = 0;
        while (read < buffer.Length)
        {
            int n = _stdout.Read(buffer[read..]);
            if (n == 0) break;
            read += n;
        }
        if (read == buffer.Length) return true;
        if (read > 0 || (_process.HasExited && _process.ExitCode != 0))
        {
            _process.WaitForExit();
            if (_process.ExitCode != 0)
                throw QuantaException.BadInput($"--source {Description}: ffmpeg stopped decoding ({Ffmpeg.LastError(_process) ?? $"exit code {_process.ExitCode}"})");
        }
        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited) try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
