namespace Quanta.Detect.Heads;

/// <summary>Greedy non-maximum suppression: highest score first, dropping boxes that overlap a kept one by more than the IoU limit.</summary>
public static class Nms
{
    /// <summary>Sorts <paramref name="candidates"/> in place (descending score) and adds the survivors to <paramref name="kept"/>.</summary>
    public static void Apply(Span<Detection> candidates, float iouLimit, DetectionSet kept)
    {
        kept.Clear();
        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        foreach (var c in candidates)
        {
            bool suppressed = false;
            foreach (var k in kept.Items)
                if (Box.IoU(c.Box, k.Box) > iouLimit) { suppressed = true; break; }
            if (!suppressed) kept.Add(c);
        }
    }
}
