using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Round to nearest: each block's scale and zero point from its own min/max. The weight is read
/// row-major as stored, one block of rows at a time, with SIMD across the N output columns and the
/// blocks spread over all cores; bound by memory bandwidth. Each row goes through one fused pass
/// for its min/max and one for its codes (w/s + z, round, clamp, narrow to bytes), in registers:
/// six library calls per row, each a pass over a scratch array, cost twice the time.
/// Every value goes through the same float operations as <see cref="BlockGrid.Quantize"/>, so the
/// result is the same bit for bit. A float16 weight is quantized as stored: each strip of a block's rows
/// is widened (exactly) into a cache-sized scratch, so no float copy of the whole weight is made.
/// </summary>
internal static class RtnQuantizer
{
    const int ColumnStrip = 1024;

    /// <param name="w">Row-major [K, N].</param>
    public static unsafe BlockwiseWeight Quantize(ReadOnlySpan<float> w, int k, int n, int blockSize, BlockGrid grid)
    {
        fixed (float* p = w) return Quantize((IntPtr)p, half: false, k, n, blockSize, grid);
    }

    /// <param name="w">Row-major [K, N], float16 as stored.</param>
    public static unsafe BlockwiseWeight Quantize(ReadOnlySpan<Half> w, int k, int n, int blockSize, BlockGrid grid)
    {
        fixed (Half* p = w) return Quantize((IntPtr)p, half: true, k, n, blockSize, grid);
    }

    static BlockwiseWeight Quantize(IntPtr weights, bool half, int k, int n, int blockSize, BlockGrid grid)
    {
        var r = BlockwiseWeight.Empty(k, n, blockSize, grid);
        Parallel.For(0, r.Blocks, () => new Scratch(n, blockSize, half), (b, _, scratch) =>
        {
            QuantizeBlockRow(weights, half, k, n, b, blockSize, grid, r, scratch);
            return scratch;
        }, _ => { });
        return r;
    }

    /// <summary>
    /// The same quantization of <c>Eᵀ</c> for a row-major table <c>E [rows, width]</c> (an embedding
    /// table, blocked along its rows): <c>K = width</c>, <c>N = rows</c>. Each row of E is one output
    /// column, already contiguous as the column-major result wants it, so nothing is transposed.
    /// </summary>
    public static BlockwiseWeight QuantizeRows(float[] e, int rows, int width, int blockSize, BlockGrid grid)
    {
        var r = BlockwiseWeight.Empty(width, rows, blockSize, grid);
        Parallel.For(0, rows, () => new RowScratch(blockSize), (row, _, s) =>
        {
            var values = e.AsSpan(row * width, width);
            for (int b = 0; b < r.Blocks; b++)
            {
                int start = b * blockSize, len = Math.Min(blockSize, width - start);
                var block = values.Slice(start, len);
                var (scale, zero) = grid.Params(TensorPrimitives.Min(block), TensorPrimitives.Max(block));
                r.Scales[row * r.Blocks + b] = scale;
                r.Zeros[row * r.Blocks + b] = zero;
                s.Scale.AsSpan().Fill(scale);
                s.Zero.AsSpan().Fill(zero);
                Codes(block, s.Scale, s.Zero, grid.QMax, r.Q.AsSpan(row * width + start, len));
            }
            return s;
        }, _ => { });
        return r;
    }

    sealed class RowScratch(int blockSize)
    {
        public readonly float[] Scale = new float[blockSize], Zero = new float[blockSize];
    }

    sealed class Scratch(int n, int blockSize, bool half)
    {
        public readonly float[] Lo = new float[n], Hi = new float[n], Scale = new float[n], Zero = new float[n];
        public readonly byte[] Tile = new byte[blockSize * n];
        /// <summary>A float16 weight's strip of block rows, widened.</summary>
        public readonly float[] Strip = half ? new float[blockSize * Math.Min(ColumnStrip, n)] : [];
    }

    static unsafe void QuantizeBlockRow(IntPtr weights, bool half, int k, int n, int b, int blockSize, BlockGrid grid, BlockwiseWeight r, Scratch s)
    {
        int start = b * blockSize, len = Math.Min(blockSize, k - start);
        // A strip of columns at a time, so its rows are still in cache when the codes read them again
        // (a block of lm_head's rows is 4 MB; a strip of 1024 columns, 128 KB).
        for (int c0 = 0; c0 < n; c0 += ColumnStrip)
        {
            int width = Math.Min(ColumnStrip, n - c0), span = (len - 1) * n + width;
            if (!half) QuantizeStrip(new ReadOnlySpan<float>((float*)weights + (long)start * n + c0, span), n, len, n, c0, width, b, grid, r, s);
            else
            {
                var stored = new ReadOnlySpan<Half>((Half*)weights + (long)start * n + c0, span);
                for (int i = 0; i < len; i++) TensorPrimitives.ConvertToSingle(stored.Slice(i * n, width), s.Strip.AsSpan(i * width, width));
                QuantizeStrip(s.Strip, width, len, n, c0, width, b, grid, r, s);
            }
        }
        // The tile is [rows of the block, N]; Q is column-major: each column's rows are contiguous.
        ref byte tile = ref MemoryMarshal.GetArrayDataReference(s.Tile);
        ref byte q = ref MemoryMarshal.GetArrayDataReference(r.Q);
        for (int c = 0; c < n; c++)
        {
            ref byte column = ref Unsafe.Add(ref q, (nint)c * k + start);
            for (int i = 0; i < len; i++) Unsafe.Add(ref column, i) = Unsafe.Add(ref tile, i * n + c);
        }
    }

    /// <summary>
    /// Scales, zero points and codes of columns c0…c0+width of one block: row i of the block's strip is
    /// <c>w[i·stride …]</c> (the weight itself, or a float16 weight's strip widened).
    /// </summary>
    static void QuantizeStrip(ReadOnlySpan<float> w, int stride, int len, int n, int c0, int width, int b, BlockGrid grid, BlockwiseWeight r, Scratch s)
    {
        Span<float> lo = s.Lo.AsSpan(c0, width), hi = s.Hi.AsSpan(c0, width), scales = s.Scale.AsSpan(c0, width), zeros = s.Zero.AsSpan(c0, width);
        w[..width].CopyTo(lo);
        w[..width].CopyTo(hi);
        for (int i = 1; i < len; i++) MinMax(w.Slice(i * stride, width), lo, hi);
        for (int c = 0; c < width; c++)
        {
            var (scale, zero) = grid.Params(lo[c], hi[c]);
            scales[c] = scale;
            zeros[c] = zero;
            r.Scales[(c0 + c) * r.Blocks + b] = scale;
            r.Zeros[(c0 + c) * r.Blocks + b] = zero;
        }
        for (int i = 0; i < len; i++) Codes(w.Slice(i * stride, width), scales, zeros, grid.QMax, s.Tile.AsSpan(i * n + c0, width));
    }

    /// <summary><c>lo = min(lo, row)</c> and <c>hi = max(hi, row)</c> elementwise, in one pass.</summary>
    static void MinMax(ReadOnlySpan<float> row, Span<float> lo, Span<float> hi)
    {
        int n = row.Length, c = 0;
        ref float x = ref MemoryMarshal.GetReference(row);
        ref float l = ref MemoryMarshal.GetReference(lo);
        ref float h = ref MemoryMarshal.GetReference(hi);
        if (Vector256.IsHardwareAccelerated)
            for (; c <= n - Vector256<float>.Count; c += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref x, (nuint)c);
                Vector256.Min(Vector256.LoadUnsafe(ref l, (nuint)c), v).StoreUnsafe(ref l, (nuint)c);
                Vector256.Max(Vector256.LoadUnsafe(ref h, (nuint)c), v).StoreUnsafe(ref h, (nuint)c);
            }
        for (; c < n; c++)
        {
            lo[c] = MathF.Min(lo[c], row[c]);
            hi[c] = MathF.Max(hi[c], row[c]);
        }
    }

    /// <summary>
    /// <c>codes = clamp(round(row / scale + zero), 0, qmax)</c> as bytes, elementwise (scale and zero
    /// at least as long as the row), rounding to even as <see cref="BlockGrid.Quantize"/>.
    /// </summary>
    static void Codes(ReadOnlySpan<float> row, ReadOnlySpan<float> scale, ReadOnlySpan<float> zero, float qmax, Span<byte> codes)
    {
        int n = row.Length, c = 0;
        ref float x = ref MemoryMarshal.GetReference(row);
        ref float s = ref MemoryMarshal.GetReference(scale);
        ref float z = ref MemoryMarshal.GetReference(zero);
        ref byte o = ref MemoryMarshal.GetReference(codes);
        if (Vector256.IsHardwareAccelerated)
        {
            var top = Vector256.Create(qmax);
            for (; c <= n - 32; c += 32)
            {
                var a = Code(ref x, ref s, ref z, c, top);
                var b = Code(ref x, ref s, ref z, c + 8, top);
                var d = Code(ref x, ref s, ref z, c + 16, top);
                var e = Code(ref x, ref s, ref z, c + 24, top);
                Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(d, e)).AsByte().StoreUnsafe(ref o, (nuint)c);
            }
        }
        for (; c < n; c++)
            codes[c] = (byte)Math.Clamp(MathF.Round(row[c] / scale[c] + zero[c], MidpointRounding.ToEven), 0, qmax);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Code(ref float x, ref float s, ref float z, int c, Vector256<float> top)
    {
        var v = Vector256.LoadUnsafe(ref x, (nuint)c) / Vector256.LoadUnsafe(ref s, (nuint)c) + Vector256.LoadUnsafe(ref z, (nuint)c);
        v = Vector256.Min(Vector256.Max(Vector256.Round(v), Vector256<float>.Zero), top);
        return Vector256.ConvertToInt32(v);
    }
}
