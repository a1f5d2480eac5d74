namespace Quanta.Detect.Frames;

/// <summary>
/// One video frame as packed RGB24 plus everything the loop learns about it. Frames are pooled:
/// the pixel buffer, the detection sets and the truth list are reused for the next frame.
/// </summary>
public sealed class Frame(int width, int height)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    /// <summary>The frame's place in its pool: detector sessions keep one bound input buffer per slot.</summary>
    public int Slot { get; init; }
    /// <summary>Width × Height × 3 bytes, row-major, R,G,B.</summary>
    public byte[] Pixels { get; } = new byte[width * height * 3];

    /// <summary>Position in the source (0-based), counting frames dropped before inference.</summary>
    public long Index { get; set; }
    /// <summary>Stopwatch timestamp taken when the frame was decoded: latency is measured from here.</summary>
    public long CapturedAt { get; set; }

    /// <summary>Ground-truth boxes, when the source knows them (generated scenes).</summary>
    public List<Box> Truth { get; } = new(16);
    public bool HasTruth { get; set; }

    /// <summary>Detections of the model under test.</summary>
    public DetectionSet Detections { get; } = new();
    /// <summary>Detections of the reference (float) model with --compare.</summary>
    public DetectionSet ReferenceDetections { get; } = new();
    public double InferenceMs { get; set; }
    public double ReferenceInferenceMs { get; set; }

    public void Reset(long index)
    {
        Index = index;
        Truth.Clear();
        HasTruth = false;
        Detections.Clear();
        ReferenceDetections.Clear();
        InferenceMs = ReferenceInferenceMs = 0;
    }
}
