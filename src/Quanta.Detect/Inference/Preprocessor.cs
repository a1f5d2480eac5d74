using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Quanta.Detect.Inference;

/// <summary>
/// RGB24 frame → the model's NCHW float input: bilinear resize to the input size, then
/// (pixel − Mean) / Std per value. Separable: each output row first blends its two source rows
/// (contiguous bytes, vectorised with <see cref="Vector{T}"/>, the normalisation's scale folded in),
/// then samples that blended row at precomputed column offsets into the three planes. The sampling
/// tables are computed once per source size, so the per-frame work is arithmetic only.
/// </summary>
public sealed class Preprocessor(int width, int height, float mean, float std)
{
    int _sourceWidth = -1, _sourceHeight = -1;
    int[] _y0 = [], _y1 = [], _c0 = [], _c1 = [];
    float[] _fx = [], _fy = [], _blended = [];
    readonly float _scale = 1f / std, _offset = -mean / std;

    public int Width => width;
    public int Height => height;

    public void Run(ReadOnlySpan<byte> rgb, int sourceWidth, int sourceHeight, Span<float> input)
    {
        if (sourceWidth != _sourceWidth || sourceHeight != _sourceHeight) BuildTables(sourceWidth, sourceHeight);
        int plane = width * height, row = sourceWidth * 3;
        if (rgb.Length < row * sourceHeight) throw new ArgumentException($"frame has {rgb.Length} bytes, {sourceWidth}×{sourceHeight} RGB needs {row * sourceHeight}", nameof(rgb));
        if (input.Length < 3 * plane) throw new ArgumentException($"input has {input.Length} values, needs {3 * plane}", nameof(input));
        Span<float> blended = _blended;
        ref float b = ref MemoryMarshal.GetReference(blended);
        ref int c0 = ref MemoryMarshal.GetArrayDataReference(_c0), c1 = ref MemoryMarshal.GetArrayDataReference(_c1);
        ref float fx = ref MemoryMarshal.GetArrayDataReference(_fx);
        for (int y = 0; y < height; y++)
        {
            BlendRows(rgb.Slice(_y0[y] * row, row), rgb.Slice(_y1[y] * row, row), _fy[y], _scale, blended);
            ref float red = ref input[y * width], green = ref input[plane + y * width], blue = ref input[2 * plane + y * width];
            for (int x = 0; x < width; x++)
            {
                int a = Unsafe.Add(ref c0, x), z = Unsafe.Add(ref c1, x);
                float f = Unsafe.Add(ref fx, x);
                float r0 = Unsafe.Add(ref b, a), g0 = Unsafe.Add(ref b, a + 1), b0 = Unsafe.Add(ref b, a + 2);
                Unsafe.Add(ref red, x) = r0 + (Unsafe.Add(ref b, z) - r0) * f + _offset;
                Unsafe.Add(ref green, x) = g0 + (Unsafe.Add(ref b, z + 1) - g0) * f + _offset;
                Unsafe.Add(ref blue, x) = b0 + (Unsafe.Add(ref b, z + 2) - b0) * f + _offset;
            }
        }
    }

    /// <summary>blended = (top + (bottom − top) × fy) × scale over one row of bytes, <see cref="Vector{T}"/>-wide.</summary>
    static void BlendRows(ReadOnlySpan<byte> top, ReadOnlySpan<byte> bottom, float fy, float scale, Span<float> blended)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wTop = new Vector<float>((1 - fy) * scale);
            var wBottom = new Vector<float>(fy * scale);
            int step = Vector<byte>.Count, quarter = Vector<float>.Count;
            for (; i <= top.Length - step; i += step)
            {
                Widen(new Vector<byte>(top[i..]), out var t0, out var t1, out var t2, out var t3);
                Widen(new Vector<byte>(bottom[i..]), out var u0, out var u1, out var u2, out var u3);
                (t0 * wTop + u0 * wBottom).CopyTo(blended[i..]);
                (t1 * wTop + u1 * wBottom).CopyTo(blended[(i + quarter)..]);
                (t2 * wTop + u2 * wBottom).CopyTo(blended[(i + 2 * quarter)..]);
                (t3 * wTop + u3 * wBottom).CopyTo(blended[(i + 3 * quarter)..]);
            }
        }
        for (; i < top.Length; i++) blended[i] = (top[i] * (1 - fy) + bottom[i] * fy) * scale;
    }

    static void Widen(Vector<byte> bytes, out Vector<float> a, out Vector<float> b, out Vector<float> c, out Vector<float> d)
    {
        Vector.Widen(bytes, out Vector<ushort> low, out Vector<ushort> high);
        Vector.Widen(low, out Vector<uint> l0, out Vector<uint> l1);
        Vector.Widen(high, out Vector<uint> h0, out Vector<uint> h1);
        a = Vector.ConvertToSingle(l0); b = Vector.ConvertToSingle(l1);
        c = Vector.ConvertToSingle(h0); d = Vector.ConvertToSingle(h1);
    }

    void BuildTables(int sourceWidth, int sourceHeight)
    {
        var (x0, fx) = Table(sourceWidth, width);
        var (y0, fy) = Table(sourceHeight, height);
        _c0 = x0.Select(x => x * 3).ToArray();
        _c1 = x0.Select(x => Math.Min(x + 1, sourceWidth - 1) * 3).ToArray();
        _y0 = y0;
        _y1 = y0.Select(y => Math.Min(y + 1, sourceHeight - 1)).ToArray();
        (_fx, _fy) = (fx, fy);
        _blended = new float[sourceWidth * 3];
        (_sourceWidth, _sourceHeight) = (sourceWidth, sourceHeight);
    }

    /// <summary>Half-pixel-centre sampling positions (as OpenCV's and PIL's bilinear resize).</summary>
    static (int[] Index, float[] Fraction) Table(int source, int target)
    {
        var index = new int[target];
        var fraction = new float[target];
        double scale = (double)source / target;
        for (int i = 0; i < target; i++)
        {
            double s = Math.Clamp((i + 0.5) * scale - 0.5, 0, source - 1);
            index[i] = (int)s;
            fraction[i] = (float)(s - index[i]);
        }
        return (index, fraction);
    }
}
