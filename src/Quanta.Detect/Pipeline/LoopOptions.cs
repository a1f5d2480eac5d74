namespace Quanta.Detect.Pipeline;

/// <summary>How the loop runs.</summary>
/// <param name="Realtime">Drop frames that wait while inference is busy (newest wins), so latency stays bounded at the source's rate.</param>
/// <param name="FramesPerSecond">The pace of a non-live source under --realtime and the frame rate written to a video; null: the source's own, else 30.</param>
/// <param name="MaxFrames">Stop after this many frames (null: the whole source).</param>
/// <param name="QueueCapacity">Frames each queue holds between stages.</param>
/// <param name="Label">Written on every frame before the frame rate ("INT8").</param>
/// <param name="KeepSamples">Annotated frames kept for the report.</param>
/// <param name="MemoryEvery">Resident memory is sampled every this many frames.</param>
public sealed record LoopOptions(
    bool Realtime = false,
    double? FramesPerSecond = null,
    int? MaxFrames = null,
    int QueueCapacity = 2,
    string Label = "",
    int KeepSamples = 4,
    int MemoryEvery = 500);

/// <summary>What the live status line shows.</summary>
public readonly record struct LoopStatus(long Frames, long? Total, double Fps, double LatencyP50Ms, double LatencyP99Ms, long Dropped);

/// <summary>An annotated frame kept for the report.</summary>
public sealed record AnnotatedFrame(long Index, int Width, int Height, byte[] Pixels, string Note);

/// <summary>Resident memory after a number of frames, and the bytes the process has allocated on the managed heap so far.</summary>
public readonly record struct MemorySample(long Frames, long RssBytes, long AllocatedBytes);
