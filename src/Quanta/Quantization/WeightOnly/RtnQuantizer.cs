namespace Quanta.Quantization.WeightOnly;

/// <summary>Round to nearest: each block's scale and zero point from its own min/max.</summary>
public static class RtnQuantizer
{
    /// <param name="w">Row-major [K, N].</param>
    public static BlockwiseWeight Quantize(ReadOnlySpan<float> w, int k, int n, int blockSize, BlockGrid grid)
    {
        var r = BlockwiseWeight.Empty(k, n, blockSize, grid);
        var column = new float[k];
        for (int c = 0; c < n; c++)
        {
            for (int i = 0; i < k; i++) column[i] = w[i * n + c];
            for (int b = 0; b < r.Blocks; b++)
            {
                int start = b * blockSize, len = Math.Min(blockSize, k - start);
                var block = column.AsSpan(start, len);
                var (s, z) = grid.Params(System.Numerics.Tensors.TensorPrimitives.Min(block), System.Numerics.Tensors.TensorPrimitives.Max(block));
                r.Scales[c * r.Blocks + b] = s;
                r.Zeros[c * r.Blocks + b] = z;
                for (int i = 0; i < len; i++) r.Q[c * k + start + i] = (byte)grid.Quantize(block[i], s, z);
            }
        }
        return r;
    }
}
