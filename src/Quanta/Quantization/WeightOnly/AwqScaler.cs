using System.Numerics.Tensors;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// AWQ (Lin et al., 2023): the input channels that carry large activations matter most, so
/// before rounding, weight row k is multiplied by <c>s_k = mean|x_k|^α</c> (its rounding error
/// relatively shrinks) and the activation divided by s_k, which leaves the float product
/// unchanged. α is searched on a grid in [0, 1] per group of layers that read one input (Q, K
/// and V share theirs, as the scale folds into their common producer), minimising the group's
/// output error on the calibration activations, <c>Σ tr(ΔWᵀ H ΔW)</c> with H = 2/n · XᵀX;
/// α = 0 is plain round-to-nearest, so the chosen scale never does worse than RTN there.
/// </summary>
internal static class AwqScaler
{
    public const int GridPoints = 20;

    /// <summary>One layer of a group: its weight [K, N] and how it will be rounded.</summary>
    public readonly record struct Member(float[] W, int N, BlockGrid Grid);

    /// <returns>The per-channel scale s [K] (all ones when α = 0 wins), the chosen α and the error ratio to RTN.</returns>
    public static (float[] Scale, double Alpha, double ErrorVsRtn) Search(IReadOnlyList<Member> group, int k, InputStatistics stats, int blockSize)
    {
        var h = WeightOnly.OutputError.ToFloats(stats.Hessian);
        double rtn = 0, best = double.MaxValue, bestAlpha = 0;
        float[] bestScale = Ones(k);
        for (int step = 0; step <= GridPoints; step++)
        {
            double alpha = (double)step / GridPoints;
            var s = Scale(stats.MeanAbs, alpha);
            double err = 0;
            foreach (var m in group) err += ScaledError(m, k, s, h, blockSize);
            if (step == 0) rtn = err;
            if (err < best) { best = err; bestAlpha = alpha; bestScale = s; }
        }
        return (bestScale, bestAlpha, rtn > 0 ? best / rtn : 1);
    }

    /// <summary>s = mean|x|^α, normalised so that max·min = 1 (as AWQ does) to keep the weights' range centred.</summary>
    internal static float[] Scale(double[] meanAbs, double alpha)
    {
        int k = meanAbs.Length;
        var s = new double[k];
        double lo = double.MaxValue, hi = 0;
        for (int i = 0; i < k; i++)
        {
            s[i] = Math.Pow(Math.Max(meanAbs[i], 1e-8), alpha);
            lo = Math.Min(lo, s[i]);
            hi = Math.Max(hi, s[i]);
        }
        double norm = Math.Sqrt(lo * hi);
        var r = new float[k];
        for (int i = 0; i < k; i++) r[i] = (float)(s[i] / norm);
        return r;
    }

    /// <summary>Weight rows multiplied by s, in place (the quantizer then rounds the scaled weight).</summary>
    public static void ScaleRows(float[] w, int k, int n, float[] s)
    {
        for (int i = 0; i < k; i++) TensorPrimitives.Multiply(w.AsSpan(i * n, n), s[i], w.AsSpan(i * n, n));
    }

    /// <summary>Error of W′ = diag(1/s)·Q(diag(s)·W).</summary>
    static double ScaledError(Member m, int k, float[] s, float[] h, int blockSize)
    {
        var scaled = (float[])m.W.Clone();
        ScaleRows(scaled, k, m.N, s);
        var approx = RtnQuantizer.Quantize(scaled, k, m.N, blockSize, m.Grid).Dequantize();
        for (int i = 0; i < k; i++) TensorPrimitives.Divide(approx.AsSpan(i * m.N, m.N), s[i], approx.AsSpan(i * m.N, m.N));
        return WeightOnly.OutputError.Of(m.W, approx, k, m.N, h);
    }

    static float[] Ones(int k)
    {
        var r = new float[k];
        Array.Fill(r, 1f);
        return r;
    }
}
