namespace Quanta.Detect;

/// <summary>An axis-aligned box in normalised image coordinates (0..1), x1,y1 top-left, x2,y2 bottom-right.</summary>
public readonly record struct Box(float X1, float Y1, float X2, float Y2)
{
    public float Area => MathF.Max(0, X2 - X1) * MathF.Max(0, Y2 - Y1);

    public static float IoU(in Box a, in Box b)
    {
        float w = MathF.Min(a.X2, b.X2) - MathF.Max(a.X1, b.X1);
        float h = MathF.Min(a.Y2, b.Y2) - MathF.Max(a.Y1, b.Y1);
        if (w <= 0 || h <= 0) return 0;
        float inter = w * h;
        return inter / (a.Area + b.Area - inter);
    }
}

/// <summary>One detected object: its box and the head's confidence.</summary>
public readonly record struct Detection(Box Box, float Score);

/// <summary>
/// A fixed-capacity list of detections owned by a frame and reused from frame to frame,
/// so post-processing allocates nothing in the steady state.
/// </summary>
public sealed class DetectionSet(int capacity = 256)
{
    readonly Detection[] _items = new Detection[capacity];

    public int Count { get; private set; }
    public ReadOnlySpan<Detection> Items => _items.AsSpan(0, Count);
    public void Clear() => Count = 0;

    /// <summary>Adds a detection; beyond capacity the rest are ignored (callers add in descending score).</summary>
    public void Add(in Detection d)
    {
        if (Count < _items.Length) _items[Count++] = d;
    }

    public void CopyFrom(DetectionSet other)
    {
        other.Items.CopyTo(_items);
        Count = other.Count;
    }
}
