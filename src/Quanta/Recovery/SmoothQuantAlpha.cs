using System.Numerics.Tensors;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;

namespace Quanta.Recovery;

/// <summary>
/// Each SmoothQuant site's migration strength, chosen by output fidelity on calibration data: for
/// leaving the site alone, the flag's α and its neighbours α ± 0.25 (within (0, 1]), quantize the
/// site's activation per tensor over its smoothed calibration range and its consumers' weights as the
/// recipe will (per channel or per tensor), and keep the choice whose MatMul outputs, on rows of X
/// sampled during the calibration pass, come closest to the float ones. One α everywhere also smooths
/// sites without outliers, which only moves rounding error into the weights (on the ViT, α = 0.5
/// everywhere lost more than it won); per-tensor weights in particular cannot take the outliers.
/// </summary>
internal static class SmoothQuantAlpha
{
    /// <summary>How the quantized model will round: the recipe's weight spec and granularity, its activation spec.</summary>
    public sealed record Rounding(QuantSpec Weights, bool PerChannel, QuantSpec Activations);

    /// <summary>The strengths tried beside leaving the site alone.</summary>
    public static double[] Candidates(double alpha) =>
        new[] { alpha - 0.25, alpha, alpha + 0.25 }.Where(a => a > 1e-9 && a <= 1).Distinct().ToArray();

    /// <summary>The best candidate α for the site, or null when leaving it alone reconstructs its outputs best.</summary>
    public static double? Choose(Graph g, SmoothQuant.Site site, SmoothQuant.ChannelStats stats, double alpha, Rounding rounding)
    {
        if (stats.Rows.Count == 0) return alpha;
        var x = stats.Rows.SelectMany(r => r).ToArray();
        int k = site.Channels, rows = x.Length / k;
        var weights = site.Consumers.Select(c => Dense(g, c, k)).ToList();
        var reference = weights.Select(w => Multiply(x, rows, k, w.Values, w.Columns)).ToList();
        var ones = Enumerable.Repeat(1f, k).ToArray();
        double best = Error(x, rows, k, ones, stats, weights, reference, rounding);
        double? choice = null;
        foreach (var a in Candidates(alpha))
        {
            double e = Error(x, rows, k, SmoothQuant.Scales(g, site, stats.AbsMax, a), stats, weights, reference, rounding);
            if (e < best)
            {
                best = e;
                choice = a;
            }
        }
        return choice;
    }

    /// <summary>Σ‖Q(X/s)·Q(diag(s)·W) − X·W‖² over the sampled rows and every consumer.</summary>
    static double Error(float[] x, int rows, int k, float[] s, SmoothQuant.ChannelStats stats, List<(float[] Values, int Columns)> weights,
        List<float[]> reference, Rounding rounding)
    {
        float lo = 0, hi = 0;
        for (int j = 0; j < k; j++)
        {
            lo = Math.Min(lo, stats.Min[j] / s[j]);
            hi = Math.Max(hi, stats.Max[j] / s[j]);
        }
        var xs = new float[x.Length];
        for (int i = 0; i < x.Length; i++) xs[i] = x[i] / s[i % k];
        QuantMath.FakeQuantize(xs, QuantMath.FromRange(lo, hi, rounding.Activations), [xs.Length], xs);
        double error = 0;
        for (int c = 0; c < weights.Count; c++)
        {
            var (w, n) = weights[c];
            var ws = new float[w.Length];
            for (int j = 0; j < k; j++)
                for (int q = 0; q < n; q++) ws[j * n + q] = w[j * n + q] * s[j];
            long[] shape = [k, n];
            var p = rounding.PerChannel ? QuantMath.PerChannel(ws, shape, 1, rounding.Weights) : QuantMath.PerTensor(ws, rounding.Weights);
            QuantMath.FakeQuantize(ws, p, shape, ws);
            var y = Multiply(xs, rows, k, ws, n);
            var r = reference[c];
            for (int i = 0; i < y.Length; i++) error += (double)(y[i] - r[i]) * (y[i] - r[i]);
        }
        return error;
    }

    /// <summary>The consumer's weight as [K × N] (a Gemm with transB = 1 stores it [N × K]).</summary>
    static (float[] Values, int Columns) Dense(Graph g, Onnx.Proto.NodeProto c, int k)
    {
        var t = g.Initializer(c.Input[1])!;
        var w = Tensors.ToFloats(t);
        if (!(c.OpType == "Gemm" && c.GetInt("transB", 0) != 0)) return (w, w.Length / k);
        int n = (int)t.Dims[0];
        var dense = new float[w.Length];
        for (int q = 0; q < n; q++)
            for (int j = 0; j < k; j++) dense[j * n + q] = w[q * k + j];
        return (dense, n);
    }

    static float[] Multiply(float[] x, int rows, int k, float[] w, int n)
    {
        var y = new float[rows * n];
        for (int r = 0; r < rows; r++)
        {
            var yr = y.AsSpan(r * n, n);
            for (int j = 0; j < k; j++)
                if (x[r * k + j] is var v && v != 0) TensorPrimitives.MultiplyAdd(w.AsSpan(j * n, n), v, yr, yr);
        }
        return y;
    }
}
