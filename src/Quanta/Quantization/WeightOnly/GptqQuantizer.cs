using System.Numerics.Tensors;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// GPTQ (Frantar et al., 2022) for a MatMul weight <c>W [K, N]</c> with <c>Y = X·W</c>: the input
/// rows of W are rounded one at a time, and each row's rounding error is spread over the rows
/// not yet rounded, weighted by the inverse Hessian <c>H = 2XᵀX</c> of the layer's squared
/// output error, so the layer output on the calibration inputs moves as little as possible.
/// Block parameters come from the (already compensated) rows of each block when it is reached.
/// </summary>
internal static class GptqQuantizer
{
    /// <param name="w">Row-major [K, N].</param>
    /// <param name="hessian">Row-major [K, K], <c>2/n · Σ xxᵀ</c> over the calibration rows.</param>
    public static BlockwiseWeight Quantize(ReadOnlySpan<float> w, int k, int n, double[] hessian, int blockSize, BlockGrid grid, double damp = 0.01)
    {
        var work = new double[k * n];
        for (int i = 0; i < work.Length; i++) work[i] = w[i];
        // Inputs that never fire carry no information: their weights cannot matter, zero them
        // (the factorisation gives them a unit diagonal).
        for (int i = 0; i < k; i++)
            if (hessian[i * k + i] == 0) Array.Clear(work, i * n, n);
        var u = InverseCholeskyUpper(hessian, k, damp);

        var r = BlockwiseWeight.Empty(k, n, blockSize, grid);
        var err = new double[n];
        for (int row = 0; row < k; row++)
        {
            if (row % blockSize == 0) ChooseBlockParams(work, r, row, k, n, blockSize, grid);
            int b = row / blockSize;
            double d = u[row * k + row];
            for (int c = 0; c < n; c++)
            {
                int p = c * r.Blocks + b;
                int q = grid.Quantize((float)work[row * n + c], r.Scales[p], r.Zeros[p]);
                r.Q[c * k + row] = (byte)q;
                err[c] = (work[row * n + c] - BlockGrid.Dequantize(q, r.Scales[p], r.Zeros[p])) / d;
            }
            for (int j = row + 1; j < k; j++)
            {
                double f = u[row * k + j];
                if (f == 0) continue;
                var target = work.AsSpan(j * n, n);
                TensorPrimitives.MultiplyAdd(err, -f, target, target); // SIMD across the N columns
            }
        }
        return r;
    }

    static void ChooseBlockParams(double[] work, BlockwiseWeight r, int start, int k, int n, int blockSize, BlockGrid grid)
    {
        int end = Math.Min(k, start + blockSize), b = start / blockSize;
        for (int c = 0; c < n; c++)
        {
            double lo = double.MaxValue, hi = double.MinValue;
            for (int i = start; i < end; i++) { lo = Math.Min(lo, work[i * n + c]); hi = Math.Max(hi, work[i * n + c]); }
            var (s, z) = grid.Params((float)lo, (float)hi);
            r.Scales[c * r.Blocks + b] = s;
            r.Zeros[c * r.Blocks + b] = z;
        }
    }

    /// <summary>
    /// Upper factor <c>U</c> with <c>(H + λI)⁻¹ = UᵀU</c>, λ = damp · mean(diag H), a zero diagonal entry
    /// (an input that never fires) taken as 1; λ grows tenfold until the Cholesky succeeds (H can be
    /// singular when calibration has fewer rows than K). <paramref name="h"/> is left as it is (layers
    /// reading one input share it). Only the diagonal and upper triangle of the result are meaningful.
    /// Everything happens in one K×K working copy: at K = 5632 each such matrix is 254 MB, and the
    /// four copies made before (H, its factor, the inverse, U) put GPTQ over the streaming memory bound.
    /// </summary>
    internal static double[] InverseCholeskyUpper(double[] h, int k, double damp)
    {
        double mean = 0;
        for (int i = 0; i < k; i++) mean += Diagonal(h, k, i);
        mean /= k;
        for (int attempt = 0; attempt < 8; attempt++, damp *= 10)
        {
            var a = (double[])h.Clone();
            for (int i = 0; i < k; i++) a[i * k + i] = Diagonal(h, k, i) + damp * mean;
            if (!Cholesky(a, k)) continue;
            InvertFromCholesky(a, k);
            if (!Cholesky(a, k)) continue;
            // a now holds L (lower) with L·Lᵀ = H⁻¹; U = Lᵀ, its upper triangle mirrored from L's lower one.
            for (int i = 0; i < k; i++)
                for (int j = 0; j < i; j++) a[j * k + i] = a[i * k + j];
            return a;
        }
        throw new InvalidOperationException("GPTQ: the Hessian is not positive definite even with heavy dampening");
    }

    static double Diagonal(double[] h, int k, int i) => h[i * k + i] == 0 ? 1 : h[i * k + i];

    /// <summary>In-place lower Cholesky (upper triangle left as garbage); false when not positive definite.</summary>
    static bool Cholesky(double[] a, int k)
    {
        for (int j = 0; j < k; j++)
        {
            var rowJ = a.AsSpan(j * k, j);
            double d = a[j * k + j] - TensorPrimitives.Dot(rowJ, rowJ);
            if (!(d > 0)) return false;
            d = Math.Sqrt(d);
            a[j * k + j] = d;
            for (int i = j + 1; i < k; i++)
            {
                a[i * k + j] = (a[i * k + j] - TensorPrimitives.Dot(a.AsSpan(i * k, j), rowJ)) / d;
            }
        }
        return true;
    }

    /// <summary>Replaces the lower factor in <paramref name="l"/> by H⁻¹ = L⁻ᵀ·L⁻¹ (full symmetric).</summary>
    static void InvertFromCholesky(double[] l, int k)
    {
        // L⁻¹ (lower) kept transposed, column j of L⁻¹ as row j, so both sums below are contiguous dot products.
        var liT = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            liT[i * k + i] = 1 / l[i * k + i];
            for (int j = 0; j < i; j++)
                liT[j * k + i] = -TensorPrimitives.Dot(l.AsSpan(i * k + j, i - j), liT.AsSpan(j * k + j, i - j)) / l[i * k + i];
        }
        // L is no longer read: its storage takes the inverse.
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = TensorPrimitives.Dot(liT.AsSpan(i * k + i, k - i), liT.AsSpan(j * k + i, k - i));
                l[i * k + j] = s;
                l[j * k + i] = s;
            }
    }
}
