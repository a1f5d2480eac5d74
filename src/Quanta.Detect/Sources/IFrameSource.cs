using Quanta.Detect.Frames;

namespace Quanta.Detect.Sources;

/// <summary>Where frames come from: all of them deliver packed RGB24 frames of one size.</summary>
public interface IFrameSource : IDisposable
{
    /// <summary>What the user named, for messages and the report ("scenes:500 (seed 0)").</summary>
    string Description { get; }
    int Width { get; }
    int Height { get; }
    /// <summary>The source's own frame rate (a camera's or a video's), or null when it has none.</summary>
    double? FramesPerSecond { get; }
    /// <summary>Frames to expect, when known.</summary>
    int? Count { get; }
    /// <summary>True for cameras: frames arrive at the device's pace whether or not anyone reads them.</summary>
    bool IsLive { get; }
    /// <summary>Fills <paramref name="frame"/> with the next frame (and its truth, if any); false at the end.</summary>
    bool Read(Frame frame);
}
