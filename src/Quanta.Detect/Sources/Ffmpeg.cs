using System.Diagnostics;
using System.Globalization;

namespace Quanta.Detect.Sources;

/// <summary>
/// The external `ffmpeg`/`ffprobe` programs (Debian's package): decoding and encoding go through
/// them as raw RGB24 over pipes, which keeps codecs out of this process and works the same on arm64.
/// </summary>
public static class Ffmpeg
{
    /// <summary>What a video stream is: its frame size, rate and (when the container says) frame count.</summary>
    public sealed record StreamInfo(int Width, int Height, double? FramesPerSecond, int? Frames);

    /// <summary>Reads the first video stream's size and rate; a one-line bad-input error when ffprobe cannot.</summary>
    public static StreamInfo Probe(string what, IEnumerable<string> inputArguments)
    {
        var args = new List<string> { "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate,nb_frames", "-of", "csv=p=0:nk=1" };
        args.AddRange(inputArguments);
        var (code, output, error) = RunToEnd("ffprobe", args, TimeSpan.FromSeconds(20));
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var parts = line?.Split(',') ?? [];
        if (code != 0 || parts.Length < 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w <= 0 || h <= 0)
            throw QuantaException.BadInput($"{what}: not a readable video ({FirstLine(error) ?? "ffprobe found no video stream"})");
        return new StreamInfo(w, h, parts.Length > 2 ? ParseRate(parts[2]) : null,
            parts.Length > 3 && int.TryParse(parts[3], out int n) && n > 0 ? n : null);
    }

    /// <summary>Starts ffmpeg with the given arguments, stdout (and optionally stdin) redirected.</summary>
    public static Process Start(IEnumerable<string> arguments, bool writeStdin)
    {
        var info = new ProcessStartInfo(Executable("ffmpeg"))
        {
            RedirectStandardOutput = !writeStdin,
            RedirectStandardInput = writeStdin,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        // Drain stderr so a chatty ffmpeg never blocks on a full pipe; keep the tail for error messages.
        var tail = new StderrTail();
        process.ErrorDataReceived += (_, e) => tail.Add(e.Data);
        process.BeginErrorReadLine();
        Tails[process.Id] = tail;
        return process;
    }

    /// <summary>The last line ffmpeg wrote to stderr, for a one-line error.</summary>
    public static string? LastError(Process process) => Tails.TryGetValue(process.Id, out var t) ? t.Last : null;

    static readonly System.Collections.Concurrent.ConcurrentDictionary<int, StderrTail> Tails = new();

    sealed class StderrTail
    {
        public string? Last { get; private set; }
        public void Add(string? line) { if (!string.IsNullOrWhiteSpace(line)) Last = line.Trim(); }
    }

    static (int Code, string Output, string Error) RunToEnd(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Executable(program)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, output, $"{program} did not answer within {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, output, error.Result);
    }

    /// <summary>The program's path on PATH; a bad-input error naming the package when it is missing.</summary>
    public static string Executable(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(dir, program);
            if (File.Exists(path)) return path;
        }
        throw QuantaException.BadInput($"{program} not found on PATH: install FFmpeg (Debian: apt-get install ffmpeg)");
    }

    static double? ParseRate(string s)
    {
        var p = s.Split('/');
        if (p.Length == 2 && double.TryParse(p[0], CultureInfo.InvariantCulture, out double n) && double.TryParse(p[1], CultureInfo.InvariantCulture, out double d) && d > 0 && n > 0)
            return n / d;
        return null;
    }

    static string? FirstLine(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
