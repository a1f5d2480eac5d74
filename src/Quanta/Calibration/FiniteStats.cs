using System.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// Min, max and count of the finite values of a span in one vectorised pass. NaN and ±Inf are
/// skipped on purpose (like TensorPrimitives.MinNumber skips NaN, but also for ±Inf): one bad
/// activation must not poison a calibration range.
/// </summary>
internal static class FiniteStats
{
    public static (float Min, float Max, int Count) MinMax(ReadOnlySpan<float> x)
    {
        float mn = float.PositiveInfinity, mx = float.NegativeInfinity;
        int count = 0, i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var inf = new Vector<float>(float.PositiveInfinity);
            var ninf = new Vector<float>(float.NegativeInfinity);
            var vmin = inf;
            var vmax = ninf;
            var vcount = Vector<int>.Zero;
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                var finite = Vector.LessThan(Vector.Abs(v), inf); // false for NaN and ±Inf
                vmin = Vector.Min(vmin, Vector.ConditionalSelect(finite, v, inf));
                vmax = Vector.Max(vmax, Vector.ConditionalSelect(finite, v, ninf));
                vcount -= finite; // a true lane is −1
            }
            for (int k = 0; k < Vector<float>.Count; k++)
            {
                mn = Math.Min(mn, vmin[k]);
                mx = Math.Max(mx, vmax[k]);
                count += vcount[k];
            }
        }
        for (; i < x.Length; i++)
        {
            float v = x[i];
            if (!float.IsFinite(v)) continue;
            if (v < mn) mn = v;
            if (v > mx) mx = v;
            count++;
        }
        return (mn, mx, count);
    }
}
