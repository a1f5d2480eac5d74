using System.Numerics.Tensors;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Round to nearest: each block's scale and zero point from its own min/max. The weight is read
/// row-major as stored, one block of rows at a time, with SIMD across the N output columns (min,
/// max, w/s + z, round, clamp) and the blocks spread over all cores; bound by memory bandwidth.
/// Every value goes through the same float operations as <see cref="BlockGrid.Quantize"/>, so the
/// result is the same bit for bit.
/// </summary>
internal static class RtnQuantizer
{
    /// <param name="w">Row-major [K, N].</param>
    public static BlockwiseWeight Quantize(ReadOnlySpan<float> w, int k, int n, int blockSize, BlockGrid grid)
    {
        var r = BlockwiseWeight.Empty(k, n, blockSize, grid);
        unsafe
        {
            fixed (float* p = w)
            {
                var weights = (IntPtr)p;
                Parallel.For(0, r.Blocks, () => new Scratch(n, blockSize), (b, _, scratch) =>
                {
                    var all = new ReadOnlySpan<float>((float*)weights, k * n);
                    QuantizeBlockRow(all, k, n, b, blockSize, grid, r, scratch);
                    return scratch;
                }, _ => { });
            }
        }
        return r;
    }

    sealed class Scratch(int n, int blockSize)
    {
        public readonly float[] Lo = new float[n], Hi = new float[n], Scale = new float[n], Zero = new float[n], Value = new float[n];
        public readonly byte[] Tile = new byte[blockSize * n];
    }

    static void QuantizeBlockRow(ReadOnlySpan<float> w, int k, int n, int b, int blockSize, BlockGrid grid, BlockwiseWeight r, Scratch s)
    {
        int start = b * blockSize, len = Math.Min(blockSize, k - start);
        w.Slice(start * n, n).CopyTo(s.Lo);
        w.Slice(start * n, n).CopyTo(s.Hi);
        for (int i = 1; i < len; i++)
        {
            var row = w.Slice((start + i) * n, n);
            TensorPrimitives.Min(s.Lo, row, s.Lo);
            TensorPrimitives.Max(s.Hi, row, s.Hi);
        }
        for (int c = 0; c < n; c++)
        {
            var (scale, zero) = grid.Params(s.Lo[c], s.Hi[c]);
            s.Scale[c] = scale;
            s.Zero[c] = zero;
            r.Scales[c * r.Blocks + b] = scale;
            r.Zeros[c * r.Blocks + b] = zero;
        }
        float qmax = grid.QMax;
        for (int i = 0; i < len; i++)
        {
            var v = s.Value.AsSpan();
            TensorPrimitives.Divide(w.Slice((start + i) * n, n), s.Scale, v);
            TensorPrimitives.Add(v, s.Zero, v);
            TensorPrimitives.Round(v, v); // to even, as BlockGrid.Quantize
            TensorPrimitives.Max(v, 0f, v);
            TensorPrimitives.Min(v, qmax, v);
            TensorPrimitives.ConvertTruncating<float, byte>(v, s.Tile.AsSpan(i * n, n));
        }
        // The tile is [rows of the block, N]; Q is column-major: each column's rows are contiguous.
        for (int c = 0; c < n; c++)
        {
            int column = c * k + start;
            for (int i = 0; i < len; i++) r.Q[column + i] = s.Tile[i * n + c];
        }
    }
}
