namespace Quanta.Detect.Timing;

/// <summary>
/// A per-frame series for plotting, in fixed memory: fewer than <c>capacity</c> points, each the mean of
/// <see cref="Stride"/> consecutive frames. When the points fill up, neighbouring pairs are merged
/// and the stride doubles, so 10 frames or 10 million give the same-sized plot.
/// </summary>
public sealed class DecimatedSeries(int capacity = 2048)
{
    readonly float[] _points = new float[capacity % 2 == 0 && capacity >= 2 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "must be even and ≥ 2")];
    double _pending;
    int _pendingCount;

    /// <summary>Frames per point.</summary>
    public int Stride { get; private set; } = 1;
    public int Count { get; private set; }
    public ReadOnlySpan<float> Points => _points.AsSpan(0, Count);

    public void Add(float value)
    {
        _pending += value;
        if (++_pendingCount < Stride) return;
        _points[Count++] = (float)(_pending / _pendingCount);
        (_pending, _pendingCount) = (0, 0);
        if (Count == _points.Length) Halve();
    }

    void Halve()
    {
        for (int i = 0; i < Count / 2; i++) _points[i] = (_points[2 * i] + _points[2 * i + 1]) / 2;
        Count /= 2;
        Stride *= 2;
    }
}
