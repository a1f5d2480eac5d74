using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;

namespace Quanta.Numerics;

/// <summary>
/// The one place for quantization arithmetic (PTQ, QAT and analysis all call this), written to
/// match the ONNX operator definitions:
/// <list type="bullet">
/// <item>QuantizeLinear: <c>y = saturate(round_half_to_even(x / y_scale) + y_zero_point)</c>, where
/// the division is a float32 division (not a multiplication by a reciprocal).</item>
/// <item>DequantizeLinear: <c>y = (x − x_zero_point) · x_scale</c>.</item>
/// <item>Per-axis: 1-D scale of length <c>shape[axis]</c>. Blocked (opset 21): scale has the input's
/// rank with <c>dim[axis] = ceil(shape[axis] / block_size)</c>; element <c>i</c> along the axis uses block <c>i / block_size</c>.</item>
/// </list>
/// </summary>
public static class QuantMath
{
    /// <summary>
    /// Scales below the smallest normal float are replaced (with zero point at the centre) by 1:
    /// a subnormal scale loses precision and <c>x / scale</c> overflows; onnxruntime's
    /// quantization tools apply the same rule (<c>scale &lt; finfo(float32).tiny → 1</c>).
    /// Only an (almost) all-zero range gets there, and 1 represents zero exactly.
    /// </summary>
    public const float MinScale = 1.17549435E-38f;

    /// <summary>SQNR reported for a perfect (or infinitely bad) approximation instead of ±∞.</summary>
    public const float SqnrCapDb = 200f;

    // ------------------------------------------------------------------ ranges → parameters

    /// <summary>
    /// Integer range used for <paramref name="spec"/>: the type's full range, one bit less with
    /// ReduceRange (uint8 → 0..127, int8 → −64..63), and for symmetric signed types the restricted
    /// range −(2^(b−1)−1)..2^(b−1)−1 (int8 → −127..127) so that ±absmax are both representable.
    /// </summary>
    public static (int QMin, int QMax) Bounds(QuantSpec spec)
    {
        int bits = spec.Bits - (spec.ReduceRange ? 1 : 0);
        long qmin, qmax;
        if (spec.Type.IsSigned())
        {
            qmax = (1L << (bits - 1)) - 1;
            qmin = spec.Symmetric ? -qmax : -(1L << (bits - 1));
        }
        else
        {
            qmin = 0;
            qmax = (1L << bits) - 1;
        }
        return ((int)qmin, (int)qmax);
    }

    /// <summary>
    /// Scale and zero point for the real range [<paramref name="min"/>, <paramref name="max"/>].
    /// The range is first extended to include 0 so that zero (padding, ReLU) is exactly representable.
    /// Symmetric: absmax, zero point at the centre (0 signed, (qmin+qmax+1)/2 unsigned, e.g. 128) and
    /// scale = absmax / min(zp−qmin, qmax−zp), so neither +absmax nor −absmax is clipped (onnxruntime
    /// uses 2·absmax/255 for uint8, which clips +absmax by half a step).
    /// Asymmetric: scale = (max−min)/(qmax−qmin), zp = round_half_even(qmin − min/scale) clamped.
    /// Non-finite bounds or min &gt; max are bad input.
    /// </summary>
    public static QuantParams FromRange(float min, float max, QuantSpec spec)
    {
        var (qmin, qmax) = Bounds(spec);
        var (scale, zp) = ScaleZeroPoint(min, max, spec, qmin, qmax);
        return new QuantParams([scale], [zp], spec.Type, qmin, qmax);
    }

    /// <summary>Allocation-free core of <see cref="FromRange"/> (also used by the MSE observer's search).</summary>
    internal static (float Scale, int ZeroPoint) ScaleZeroPoint(float min, float max, QuantSpec spec, int qmin, int qmax)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max))
            throw QuantaException.BadInput($"quantization range [{min}, {max}] is not finite");
        if (min > max)
            throw QuantaException.BadInput($"quantization range [{min}, {max}] has min > max");
        double lo = Math.Min(min, 0f), hi = Math.Max(max, 0f);
        double scale;
        int zp;
        if (spec.Symmetric)
        {
            zp = spec.Type.IsSigned() ? 0 : (int)(((long)qmin + qmax + 1) / 2);
            double absmax = Math.Max(-lo, hi);
            long steps = Math.Min((long)zp - qmin, (long)qmax - zp);
            scale = absmax / steps;
        }
        else
        {
            scale = (hi - lo) / ((double)qmax - qmin);
            zp = 0; // set below once the float scale is known
        }
        float s = (float)scale;
        if (!(s >= MinScale) || !float.IsFinite(s))
        {
            // Degenerate (all-zero) range: any scale represents 0 exactly; keep zp centred for symmetric.
            return (1f, spec.Symmetric ? zp : Math.Clamp(0, qmin, qmax));
        }
        if (!spec.Symmetric)
        {
            double z = Math.Round(qmin - lo / s, MidpointRounding.ToEven);
            zp = (int)Math.Clamp(z, qmin, qmax);
        }
        return (s, zp);
    }

    /// <summary>One scale/zero point for the whole tensor from its min/max (empty → degenerate params). NaN/Inf → bad input.</summary>
    public static QuantParams PerTensor(ReadOnlySpan<float> weights, QuantSpec spec)
    {
        if (weights.IsEmpty) return FromRange(0, 0, spec);
        return FromRange(TensorPrimitives.Min(weights), TensorPrimitives.Max(weights), spec);
    }

    /// <summary>One scale/zero point per slice along <paramref name="axis"/> (negative axes count from the end), from each slice's min/max.</summary>
    public static QuantParams PerChannel(ReadOnlySpan<float> weights, long[] shape, int axis, QuantSpec spec)
    {
        var l = Layout.Of(shape, axis, 0, weights.Length);
        var (qmin, qmax) = Bounds(spec);
        var scales = new float[l.Dim];
        var zps = new int[l.Dim];
        for (int c = 0; c < l.Dim; c++)
        {
            float mn = 0, mx = 0; // 0 is always included by FromRange anyway
            for (int o = 0; o < l.Outer; o++)
            {
                var row = weights.Slice((o * l.Dim + c) * l.Inner, l.Inner);
                if (row.IsEmpty) continue;
                mn = Math.Min(mn, TensorPrimitives.Min(row));
                mx = Math.Max(mx, TensorPrimitives.Max(row));
            }
            (scales[c], zps[c]) = ScaleZeroPoint(mn, mx, spec, qmin, qmax);
        }
        return new QuantParams(scales, zps, spec.Type, qmin, qmax, l.Axis);
    }

    /// <summary>
    /// Blocked quantization along <paramref name="axis"/> as opset-21 DequantizeLinear defines it:
    /// the scale tensor has the input's shape except <c>dim[axis] = ceil(dim / blockSize)</c>
    /// (see <see cref="ParamShape"/>), stored row-major; each block's range is its own min/max.
    /// </summary>
    public static QuantParams Blocked(ReadOnlySpan<float> weights, long[] shape, int axis, int blockSize, QuantSpec spec)
    {
        if (blockSize <= 0) throw QuantaException.BadInput($"block size must be positive, got {blockSize}");
        var l = Layout.Of(shape, axis, blockSize, weights.Length);
        var (qmin, qmax) = Bounds(spec);
        int n = l.Outer * l.Blocks * l.Inner;
        var mins = new float[n];
        var maxs = new float[n]; // zero-initialised: FromRange includes 0 anyway
        for (int o = 0; o < l.Outer; o++)
            for (int c = 0; c < l.Dim; c++)
            {
                var row = weights.Slice((o * l.Dim + c) * l.Inner, l.Inner);
                int p = (o * l.Blocks + c / blockSize) * l.Inner;
                var mn = mins.AsSpan(p, l.Inner);
                var mx = maxs.AsSpan(p, l.Inner);
                TensorPrimitives.Min(row, mn, mn);
                TensorPrimitives.Max(row, mx, mx);
            }
        var scales = new float[n];
        var zps = new int[n];
        for (int i = 0; i < n; i++)
            (scales[i], zps[i]) = ScaleZeroPoint(mins[i], maxs[i], spec, qmin, qmax);
        return new QuantParams(scales, zps, spec.Type, qmin, qmax, l.Axis, blockSize);
    }

    /// <summary>Shape of the scale/zero-point initializers: [] per tensor, [dim] per axis, input shape with ceil(dim/block) when blocked.</summary>
    public static long[] ParamShape(QuantParams p, long[] shape)
    {
        if (p.Axis is null) return [];
        int axis = Layout.NormalizeAxis(p.Axis.Value, shape.Length);
        if (p.BlockSize <= 0) return [shape[axis]];
        var s = (long[])shape.Clone();
        s[axis] = (shape[axis] + p.BlockSize - 1) / p.BlockSize;
        return s;
    }

    // ------------------------------------------------------------------ element-wise

    /// <summary>QuantizeLinear for one value: round half to even of the float32 quotient, + zp, saturate. NaN maps to the zero point.</summary>
    public static int Quantize(float x, float scale, int zp, int qmin, int qmax)
    {
        float r = MathF.Round(x / scale, MidpointRounding.ToEven);
        if (float.IsNaN(r)) return zp;
        double v = (double)r + zp;
        return (int)Math.Clamp(v, qmin, qmax);
    }

    /// <summary>DequantizeLinear for one value.</summary>
    public static float Dequantize(int q, float scale, int zp) => (float)((long)q - zp) * scale;

    /// <summary>QuantizeLinear over a tensor, honouring per-tensor, per-axis and blocked parameters.</summary>
    public static void Quantize(ReadOnlySpan<float> x, QuantParams p, long[] shape, Span<int> q) =>
        ForEachRun(x, p, shape, q, new QuantizeOp(p.QMin, p.QMax));

    /// <summary>DequantizeLinear over a tensor, honouring per-tensor, per-axis and blocked parameters.</summary>
    public static void Dequantize(ReadOnlySpan<int> q, QuantParams p, long[] shape, Span<float> y) =>
        ForEachRun(q, p, shape, y, new DequantizeOp(p.Type == QuantType.Int32));

    /// <summary><c>y = Dequantize(Quantize(x))</c> (what QDQ graphs compute, and QAT's forward pass), without the int buffer.</summary>
    public static void FakeQuantize(ReadOnlySpan<float> x, QuantParams p, long[] shape, Span<float> y) =>
        ForEachRun(x, p, shape, y, new FakeQuantizeOp(p.QMin, p.QMax));

    /// <summary>One element-wise step of quantization arithmetic: over a run sharing one scale, or one value with its own.</summary>
    interface IRunOp<TIn, TOut>
    {
        void Run(ReadOnlySpan<TIn> x, float scale, int zp, Span<TOut> y);
        TOut One(TIn x, float scale, int zp);
    }

    readonly struct QuantizeOp(int qmin, int qmax) : IRunOp<float, int>
    {
        public void Run(ReadOnlySpan<float> x, float scale, int zp, Span<int> y) => QuantizeRun(x, scale, zp, qmin, qmax, y);
        public int One(float x, float scale, int zp) => Quantize(x, scale, zp, qmin, qmax);
    }

    readonly struct DequantizeOp(bool wide) : IRunOp<int, float>
    {
        public void Run(ReadOnlySpan<int> x, float scale, int zp, Span<float> y) => DequantizeRun(x, scale, zp, wide, y);
        public float One(int x, float scale, int zp) => Dequantize(x, scale, zp);
    }

    readonly struct FakeQuantizeOp(int qmin, int qmax) : IRunOp<float, float>
    {
        public void Run(ReadOnlySpan<float> x, float scale, int zp, Span<float> y) => FakeQuantizeRun(x, scale, zp, qmin, qmax, y);
        public float One(float x, float scale, int zp) => Dequantize(Quantize(x, scale, zp, qmin, qmax), scale, zp);
    }

    /// <summary>
    /// The one walk over a tensor's parameter layout: a single run per tensor, one run per channel
    /// slice along the axis, or per element inside a block (where every inner position has its own
    /// scale). The struct constraint lets the JIT inline the operation; no closures in the hot loop.
    /// </summary>
    static void ForEachRun<TIn, TOut, TOp>(ReadOnlySpan<TIn> x, QuantParams p, long[] shape, Span<TOut> y, TOp op)
        where TOp : struct, IRunOp<TIn, TOut>
    {
        CheckLength(x.Length, y.Length);
        if (p.Axis is null) { op.Run(x, p.Scale[0], p.ZeroPoint[0], y); return; }
        var l = Layout.Of(shape, p.Axis.Value, p.BlockSize, x.Length);
        CheckParams(p, l);
        for (int o = 0; o < l.Outer; o++)
            for (int c = 0; c < l.Dim; c++)
            {
                int start = (o * l.Dim + c) * l.Inner;
                var xs = x.Slice(start, l.Inner);
                var ys = y.Slice(start, l.Inner);
                if (p.BlockSize <= 0) { op.Run(xs, p.Scale[c], p.ZeroPoint[c], ys); continue; }
                int pi = (o * l.Blocks + c / p.BlockSize) * l.Inner;
                for (int i = 0; i < xs.Length; i++)
                    ys[i] = op.One(xs[i], p.Scale[pi + i], p.ZeroPoint[pi + i]);
            }
    }

    // Contiguous runs sharing one scale. The vector path is bit-identical to the scalar one: same
    // float32 division, Vector.Round is round-half-to-even, and the integer-valued floats are exact
    // below 2^24 — which is why int32 (bias) quantization, with values up to 2^31, stays scalar.
    static bool Vectorizable(int qmin, int qmax, int length) =>
        Vector.IsHardwareAccelerated && length >= Vector<float>.Count && qmin >= -(1 << 24) && qmax <= (1 << 24);

    static void QuantizeRun(ReadOnlySpan<float> x, float scale, int zp, int qmin, int qmax, Span<int> q)
    {
        int i = 0;
        if (Vectorizable(qmin, qmax, x.Length))
        {
            var vs = new Vector<float>(scale);
            var vz = new Vector<float>(zp);
            var lo = new Vector<float>(qmin);
            var hi = new Vector<float>(qmax);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var r = Vector.Round(new Vector<float>(x.Slice(i)) / vs);
                r = Vector.ConditionalSelect(Vector.Equals(r, r), r + vz, vz); // NaN → zp
                r = Vector.Min(Vector.Max(r, lo), hi);
                Vector.ConvertToInt32(r).CopyTo(q.Slice(i));
            }
        }
        for (; i < x.Length; i++) q[i] = Quantize(x[i], scale, zp, qmin, qmax);
    }

    static void DequantizeRun(ReadOnlySpan<int> q, float scale, int zp, bool wide, Span<float> y)
    {
        int i = 0;
        // q − zp fits in int32 unless int32 data has a non-zero zero point; int→float rounds like the scalar long→float.
        if (Vector.IsHardwareAccelerated && q.Length >= Vector<int>.Count && (zp == 0 || !wide))
        {
            var vz = new Vector<int>(zp);
            var vs = new Vector<float>(scale);
            for (; i <= q.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                var d = new Vector<int>(q.Slice(i)) - vz;
                (Vector.ConvertToSingle(d) * vs).CopyTo(y.Slice(i));
            }
        }
        for (; i < q.Length; i++) y[i] = Dequantize(q[i], scale, zp);
    }

    static void FakeQuantizeRun(ReadOnlySpan<float> x, float scale, int zp, int qmin, int qmax, Span<float> y)
    {
        int i = 0;
        if (Vectorizable(qmin, qmax, x.Length))
        {
            // clamp(round(x/s) + zp, qmin, qmax) − zp == clamp(round(x/s), qmin − zp, qmax − zp): exact for |values| < 2^24.
            var vs = new Vector<float>(scale);
            var lo = new Vector<float>(qmin - zp);
            var hi = new Vector<float>(qmax - zp);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var r = Vector.Round(new Vector<float>(x.Slice(i)) / vs);
                r = Vector.ConditionalSelect(Vector.Equals(r, r), r, Vector<float>.Zero); // NaN → zp → 0
                r = Vector.Min(Vector.Max(r, lo), hi);
                (r * vs).CopyTo(y.Slice(i));
            }
        }
        for (; i < x.Length; i++) y[i] = Dequantize(Quantize(x[i], scale, zp, qmin, qmax), scale, zp);
    }

    // ------------------------------------------------------------------ storage

    /// <summary>
    /// ONNX TensorProto raw_data for quantized values: one byte for (u)int8, little-endian 2/4 bytes
    /// for (u)int16/int32, and two elements per byte for (u)int4 (first element in the low nibble).
    /// Values outside the type's range are a bug in the caller.
    /// </summary>
    public static byte[] ToBytes(ReadOnlySpan<int> q, QuantType t)
    {
        int lo = t.Min(), hi = t.Max();
        foreach (int v in q)
            if (v < lo || v > hi) throw new ArgumentOutOfRangeException(nameof(q), $"value {v} outside {t.Name()} range [{lo}, {hi}]");
        switch (t)
        {
            case QuantType.UInt4:
            case QuantType.Int4:
                return Packing.PackInt4(q);
            case QuantType.UInt8:
            case QuantType.Int8:
            {
                var b = new byte[q.Length];
                for (int i = 0; i < q.Length; i++) b[i] = (byte)q[i];
                return b;
            }
            case QuantType.UInt16:
            case QuantType.Int16:
            {
                var b = new byte[q.Length * 2];
                for (int i = 0; i < q.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), (ushort)q[i]);
                return b;
            }
            default:
            {
                var b = new byte[q.Length * 4];
                for (int i = 0; i < q.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4 * i), q[i]);
                return b;
            }
        }
    }

    /// <summary>Inverse of <see cref="ToBytes"/>: decodes <paramref name="count"/> values of type <paramref name="t"/>.</summary>
    public static int[] FromBytes(ReadOnlySpan<byte> raw, QuantType t, int count)
    {
        int need = t switch
        {
            QuantType.UInt4 or QuantType.Int4 => (count + 1) / 2,
            QuantType.UInt8 or QuantType.Int8 => count,
            QuantType.UInt16 or QuantType.Int16 => 2 * count,
            _ => 4 * count,
        };
        if (raw.Length != need) throw QuantaException.BadInput($"{t.Name()} data has {raw.Length} bytes, expected {need} for {count} elements");
        var q = new int[count];
        switch (t)
        {
            case QuantType.UInt4: Packing.UnpackInt4(raw, q, signed: false); break;
            case QuantType.Int4: Packing.UnpackInt4(raw, q, signed: true); break;
            case QuantType.UInt8: for (int i = 0; i < count; i++) q[i] = raw[i]; break;
            case QuantType.Int8: for (int i = 0; i < count; i++) q[i] = (sbyte)raw[i]; break;
            case QuantType.UInt16: for (int i = 0; i < count; i++) q[i] = BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]); break;
            case QuantType.Int16: for (int i = 0; i < count; i++) q[i] = BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]); break;
            default: for (int i = 0; i < count; i++) q[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]); break;
        }
        return q;
    }

    // ------------------------------------------------------------------ error metrics

    /// <summary>
    /// Signal-to-quantization-noise ratio in dB, <c>10·log10(Σr² / Σ(r−a)²)</c>, accumulated in double.
    /// Identical inputs give +<see cref="SqnrCapDb"/>, a zero reference with noise −<see cref="SqnrCapDb"/>; NaN in → NaN out.
    /// </summary>
    public static float Sqnr(ReadOnlySpan<float> reference, ReadOnlySpan<float> approx)
    {
        CheckLength(reference.Length, approx.Length);
        double signal = 0, noise = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double r = reference[i], d = r - approx[i];
            signal += r * r;
            noise += d * d;
        }
        return (float)SqnrDb(signal, noise);
    }

    /// <summary>
    /// <c>10·log10(signal / noise)</c> from sums of squares (streaming accumulators call this too):
    /// no noise gives +<see cref="SqnrCapDb"/>, noise on a zero signal −<see cref="SqnrCapDb"/>, NaN stays NaN.
    /// </summary>
    public static double SqnrDb(double signal, double noise)
    {
        if (double.IsNaN(signal) || double.IsNaN(noise)) return double.NaN;
        if (noise == 0) return SqnrCapDb;
        if (signal == 0) return -SqnrCapDb;
        return Math.Clamp(10 * Math.Log10(signal / noise), -SqnrCapDb, SqnrCapDb);
    }

    /// <summary>Cosine similarity in double; two zero vectors are identical (1), one zero vector gives 0.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLength(a.Length, b.Length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        if (na == 0 && nb == 0) return 1f;
        if (na == 0 || nb == 0) return 0f;
        return (float)Math.Clamp(dot / (Math.Sqrt(na) * Math.Sqrt(nb)), -1, 1);
    }

    // ------------------------------------------------------------------ helpers

    static void CheckLength(int a, int b)
    {
        if (a != b) throw new ArgumentException($"span lengths differ: {a} vs {b}");
    }

    static void CheckParams(QuantParams p, Layout l)
    {
        int expected = p.BlockSize > 0 ? l.Outer * l.Blocks * l.Inner : l.Dim;
        if (p.Scale.Length != expected || p.ZeroPoint.Length != expected)
            throw new ArgumentException($"expected {expected} scales/zero points, got {p.Scale.Length}/{p.ZeroPoint.Length}");
    }

    /// <summary>A tensor viewed as [outer, dim, inner] around the quantization axis.</summary>
    readonly record struct Layout(int Axis, int Outer, int Dim, int Inner, int Blocks)
    {
        public static int NormalizeAxis(int axis, int rank)
        {
            int a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a >= rank) throw QuantaException.BadInput($"axis {axis} out of range for rank {rank}");
            return a;
        }

        public static Layout Of(long[] shape, int axis, int blockSize, int length)
        {
            int a = NormalizeAxis(axis, shape.Length);
            long outer = 1, inner = 1;
            for (int i = 0; i < a; i++) outer *= shape[i];
            for (int i = a + 1; i < shape.Length; i++) inner *= shape[i];
            long dim = shape[a];
            if (outer * dim * inner != length)
                throw new ArgumentException($"shape [{string.Join(",", shape)}] does not match {length} elements");
            int blocks = blockSize > 0 ? (int)((dim + blockSize - 1) / blockSize) : 0;
            return new Layout(a, (int)outer, (int)dim, (int)inner, blocks);
        }
    }
}
