using Quanta.Detect.Scoring;
using Quanta.Detect.Timing;

namespace Quanta.Detect.Pipeline;

/// <summary>Everything one run of the loop measured.</summary>
public sealed class LoopResult
{
    public required string Source { get; init; }
    public long Frames { get; init; }
    public long Dropped { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>Frames completed per second of wall time (decode through draw/encode).</summary>
    public double Fps => WallSeconds > 0 ? Frames / WallSeconds : 0;
    /// <summary>Per completed frame: decode → written, in ms (fixed-size histogram and plot series).</summary>
    public required FrameTimes Latency { get; init; }
    /// <summary>Per completed frame: the detector's Run alone, in ms.</summary>
    public required FrameTimes Inference { get; init; }
    /// <summary>Per completed frame with --compare: the reference detector's Run, in ms.</summary>
    public FrameTimes? ReferenceInference { get; init; }
    /// <summary>The detector against ground truth (sources with truth).</summary>
    public DetectionTally? VsTruth { get; init; }
    /// <summary>The reference detector against ground truth.</summary>
    public DetectionTally? ReferenceVsTruth { get; init; }
    /// <summary>The detector against the reference detector's boxes.</summary>
    public DetectionTally? VsReference { get; init; }
    public required IReadOnlyList<MemorySample> Memory { get; init; }
    public required IReadOnlyList<AnnotatedFrame> Samples { get; init; }

}
