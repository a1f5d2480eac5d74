using Quanta.Detect.Frames;

namespace Quanta.Detect.Sinks;

/// <summary>Where annotated frames go. Nothing is left at the output path unless <see cref="Complete"/> ran.</summary>
public interface IFrameSink : IDisposable
{
    string Description { get; }
    void Write(Frame frame);
    /// <summary>Finishes the output (flushes the encoder, moves the file into place).</summary>
    void Complete();
}

/// <summary>Turns an --output value into a sink: a video file for .mp4/.mkv/.avi/.gif, else a folder of PNG frames.</summary>
public static class FrameSinks
{
    static readonly string[] VideoExtensions = [".mp4", ".mkv", ".avi", ".mov", ".gif"];

    public static IFrameSink Open(string output, int width, int height, double framesPerSecond) =>
        VideoExtensions.Contains(Path.GetExtension(output).ToLowerInvariant())
            ? new FfmpegVideoSink(output, width, height, framesPerSecond)
            : new PngFolderSink(output);
}
