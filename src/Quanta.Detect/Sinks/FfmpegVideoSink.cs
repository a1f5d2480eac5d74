using System.Diagnostics;
using System.Globalization;
using Quanta.Detect.Frames;
using Quanta.Detect.Sources;

namespace Quanta.Detect.Sinks;

/// <summary>
/// Raw RGB24 frames piped into an ffmpeg child that encodes H.264 (yuv420p, plays everywhere) or a
/// GIF; written to a temporary name beside the target and moved into place when complete.
/// </summary>
public sealed class FfmpegVideoSink : IFrameSink
{
    readonly Process _process;
    readonly Stream _stdin;
    readonly string _path, _partial;
    bool _completed;

    public string Description => _path;

    public FfmpegVideoSink(string path, int width, int height, double framesPerSecond)
    {
        _path = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(_path);
        if (folder is not null) Directory.CreateDirectory(folder);
        string extension = Path.GetExtension(_path);
        _partial = Path.Combine(folder ?? ".", "." + Path.GetFileNameWithoutExtension(_path) + ".partial" + extension);
        string[] codec = extension.Equals(".gif", StringComparison.OrdinalIgnoreCase)
            ? []
            : ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"];
        _process = Ffmpeg.Start(["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}",
            "-r", framesPerSecond.ToString("0.###", CultureInfo.InvariantCulture), "-i", "-", .. codec, _partial], writeStdin: true);
        _stdin = _process.StandardInput.BaseStream;
    }

    public void Write(Frame frame)
    {
        try
        {
            _stdin.Write(frame.Pixels);
        }
        catch (IOException)
        {
            throw new QuantaException($"--output {_path}: ffmpeg stopped encoding ({Ffmpeg.LastError(_process) ?? "broken pipe"})", FailureKind.NotMet);
        }
    }

    public void Complete()
    {
        _stdin.Close();
        _process.WaitForExit();
        if (_process.ExitCode != 0)
            throw new QuantaException($"--output {_path}: ffmpeg failed to encode ({Ffmpeg.LastError(_process) ?? $"exit code {_process.ExitCode}"})", FailureKind.NotMet);
        File.Move(_partial, _path, overwrite: true);
        _completed = true;
    }

    public void Dispose()
    {
        if (!_process.HasExited) try { _process.Kill(entireProcessTree: true); _process.WaitForExit(); } catch (InvalidOperationException) { }
        _process.Dispose();
        if (!_completed && File.Exists(_partial)) File.Delete(_partial);
    }
}
