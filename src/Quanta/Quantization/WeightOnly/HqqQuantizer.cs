using System.Numerics.Tensors;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Half-quadratic quantization (Badri &amp; Shaji, 2023), data-free. Starting from each block's
/// min/max grid, it alternates: round with the current zero point; shrink the residual
/// <c>e = W − Ŵ</c> towards zero with the Lp (p &lt; 1) proximal operator, which lets a few
/// outliers keep large errors instead of dragging the whole block; move the zero point to the
/// mean that explains the rest. The scale stays fixed; zero points end up fractional.
/// </summary>
internal static class HqqQuantizer
{
    const float P = 0.7f, Beta0 = 10f, Kappa = 1.01f;

    public static BlockwiseWeight Quantize(ReadOnlySpan<float> w, int k, int n, int blockSize, BlockGrid grid, int iterations = 20)
    {
        var r = RtnQuantizer.Quantize(w, k, n, blockSize, grid);
        // Columns are independent: spread them over all cores, each worker with its own buffers.
        unsafe
        {
            fixed (float* pw = w)
            {
                var weights = (IntPtr)pw;
                Parallel.For(0, n, () => (Column: new float[k], Q: new float[blockSize], Best: new byte[blockSize]), (c, _, buffers) =>
                {
                    var all = new ReadOnlySpan<float>((float*)weights, k * n);
                    var column = buffers.Column;
                    for (int i = 0; i < k; i++) column[i] = all[i * n + c];
                    for (int b = 0; b < r.Blocks; b++)
                    {
                        int start = b * blockSize, len = Math.Min(blockSize, k - start);
                        int p = c * r.Blocks + b;
                        float s = r.Scales[p], z = r.Zeros[p];
                        r.Zeros[p] = Optimize(column.AsSpan(start, len), s, z, grid, iterations, buffers.Q, buffers.Best).Zero;
                        for (int i = 0; i < len; i++) r.Q[c * k + start + i] = buffers.Best[i];
                    }
                    return buffers;
                }, _ => { });
            }
        }
        return r;
    }

    /// <summary>Returns the best zero point found (and its mean absolute error); <paramref name="best"/> holds its integers.</summary>
    static (float Zero, float Error) Optimize(ReadOnlySpan<float> w, float s, float z, BlockGrid grid, int iterations, float[] q, byte[] best)
    {
        int len = w.Length;
        float beta = Beta0, bestError = float.MaxValue, bestZero = z;
        for (int it = 0; it < iterations; it++)
        {
            double error = 0, zSum = 0;
            for (int i = 0; i < len; i++)
            {
                q[i] = grid.Quantize(w[i], s, z);
                float residual = w[i] - (q[i] - z) * s;
                error += Math.Abs(residual);
                // Lp shrinkage: sign(e)·max(|e| − |e|^(p−1)/β, 0).
                float a = Math.Abs(residual);
                float shrunk = a > 0 ? MathF.Max(a - MathF.Pow(a, P - 1) / beta, 0) * MathF.Sign(residual) : 0;
                zSum += q[i] - (w[i] - shrunk) / s;
            }
            float e = (float)(error / len);
            if (e < bestError)
            {
                bestError = e;
                bestZero = z;
                for (int i = 0; i < len; i++) best[i] = (byte)q[i];
            }
            else break;
            z = (float)(zSum / len);
            beta *= Kappa;
        }
        return (bestZero, bestError);
    }
}
