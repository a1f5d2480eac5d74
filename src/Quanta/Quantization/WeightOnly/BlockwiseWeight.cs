namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// A MatMul weight <c>W [K, N]</c> quantized in blocks of <see cref="BlockSize"/> consecutive
/// input rows per output column, laid out column-major as MatMulNBits reads it:
/// <c>Q[n·K + k]</c>, <c>Scales[n·Blocks + b]</c>, <c>Zeros[n·Blocks + b]</c> (integer-valued except after HQQ).
/// </summary>
internal sealed record BlockwiseWeight(int K, int N, int BlockSize, BlockGrid Grid, byte[] Q, float[] Scales, float[] Zeros)
{
    public int Blocks => (K + BlockSize - 1) / BlockSize;

    public bool IntegerZeros
    {
        get
        {
            foreach (var z in Zeros) if (z != MathF.Round(z)) return false;
            return true;
        }
    }

    /// <summary>The weight as the runtime sees it, row-major [K, N].</summary>
    public float[] Dequantize()
    {
        var w = new float[K * N];
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
            {
                int p = n * Blocks + k / BlockSize;
                w[k * N + n] = BlockGrid.Dequantize(Q[n * K + k], Scales[p], Zeros[p]);
            }
        return w;
    }

    /// <summary>Allocates an empty weight of the given geometry for a quantizer to fill.</summary>
    public static BlockwiseWeight Empty(int k, int n, int blockSize, BlockGrid grid)
    {
        int blocks = (k + blockSize - 1) / blockSize;
        return new BlockwiseWeight(k, n, blockSize, grid, new byte[k * n], new float[n * blocks], new float[n * blocks]);
    }
}
