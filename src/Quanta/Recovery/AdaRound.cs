using System.Numerics.Tensors;
using Quanta.Numerics;

namespace Quanta.Recovery;

/// <summary>
/// AdaRound (Nagel et al., "Up or Down? Adaptive Rounding for Post-Training Quantization", 2020):
/// each weight is rounded down or up, whichever makes the layer's output closest to the float
/// layer's, instead of to the nearest grid point. The choice is relaxed to a rectified sigmoid
/// h(V) ∈ [0, 1] per weight, optimised with Adam on ‖W̃p̂ − Wp‖² (mean over patches, summed over
/// channels) plus λ·Σ(1 − |2h − 1|^β), β annealed from 20 to 2 after a 20 % warm-up without it,
/// which drives every h to 0 or 1. The reconstruction term comes from <see cref="LayerPatches"/>'
/// second moments, so an iteration costs one [out × K]·[K × K] product and the gradient is exact:
/// the result is deterministic and needs far fewer iterations than the paper's mini-batches.
/// </summary>
internal static class AdaRound
{
    const float Zeta = 1.1f, Gamma = -0.1f, Lambda = 0.01f, BetaStart = 20f, BetaEnd = 2f, WarmUp = 0.2f;
    const float LearningRate = 1e-2f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;

    /// <summary>
    /// Rounds <paramref name="rows"/> ([out × K] per group, row-major; rows of group g are
    /// g·out/groups …) onto the grid of <paramref name="p"/> (per tensor, or per row) and returns the
    /// dequantized result: the values the quantized model will compute with.
    /// <paramref name="gram"/>/<paramref name="cross"/> are per group K×K (see <see cref="LayerPatches"/>), over <paramref name="count"/> patches.
    /// </summary>
    public static float[] Round(float[] rows, int outChannels, int k, QuantParams p, double[][] gram, double[][] cross, long count, int iterations)
    {
        int groups = gram.Length, perGroup = outChannels / groups;
        var result = new float[rows.Length];
        for (int g = 0; g < groups; g++)
        {
            var slice = rows.AsSpan(g * perGroup * k, perGroup * k).ToArray();
            var rounded = RoundGroup(slice, perGroup, k, g * perGroup, p, ToFloat(gram[g]), ToFloat(cross[g]), count, iterations);
            rounded.CopyTo(result, g * perGroup * k);
        }
        return result;
    }

    /// <summary>Round to nearest on the same grid: the baseline AdaRound improves on.</summary>
    public static float[] RoundToNearest(float[] rows, int outChannels, int k, QuantParams p)
    {
        var result = new float[rows.Length];
        for (int o = 0; o < outChannels; o++)
        {
            var (s, zp) = Grid(p, o);
            for (int j = 0; j < k; j++)
                result[o * k + j] = QuantMath.Dequantize(QuantMath.Quantize(rows[o * k + j], s, zp, p.QMin, p.QMax), s, zp);
        }
        return result;
    }

    /// <summary>The reconstruction error Σ‖W̃p̂ − Wp‖² / count (up to the constant Σ‖Wp‖²/count, which is the same for every W̃).</summary>
    public static double Error(float[] candidate, float[] reference, int outChannels, int k, double[][] gram, double[][] cross, long count)
    {
        int groups = gram.Length, perGroup = outChannels / groups;
        double total = 0;
        for (int g = 0; g < groups; g++)
            for (int o = g * perGroup; o < (g + 1) * perGroup; o++)
            {
                var w = candidate.AsSpan(o * k, k);
                var w0 = reference.AsSpan(o * k, k);
                for (int i = 0; i < k; i++)
                {
                    double gw = 0, xw = 0;
                    for (int j = 0; j < k; j++)
                    {
                        gw += gram[g][i * k + j] * w[j];
                        xw += cross[g][i * k + j] * w0[j];
                    }
                    total += w[i] * (gw - 2 * xw);
                }
            }
        return total / Math.Max(1, count);
    }

    static float[] RoundGroup(float[] w, int rows, int k, int firstChannel, QuantParams p, float[] gram, float[] cross, long count, int iterations)
    {
        int n = w.Length;
        var lower = new float[n];   // floor(w/s) + zp, the grid point below
        var scale = new float[n];
        var v = new float[n];
        var lo = new float[n];      // how far the lower point may move: qmin − lower … qmax − lower
        var hi = new float[n];
        for (int o = 0; o < rows; o++)
        {
            var (s, zp) = Grid(p, firstChannel + o);
            for (int j = 0; j < k; j++)
            {
                int i = o * k + j;
                float x = w[i] / s;
                float floor = MathF.Floor(x);
                lower[i] = floor + zp;
                scale[i] = s;
                lo[i] = p.QMin - lower[i];
                hi[i] = p.QMax - lower[i];
                // Start where h(V) equals the fractional part: the soft weight begins at the float weight.
                float frac = Math.Clamp(x - floor, 0.01f, 0.99f);
                float start = (frac - Gamma) / (Zeta - Gamma);
                v[i] = MathF.Log(start / (1 - start));
            }
        }
        // u = X·w per row: the target term of the gradient, fixed.
        var target = new float[n];
        for (int o = 0; o < rows; o++)
        {
            var row = w.AsSpan(o * k, k);
            for (int i = 0; i < k; i++) target[o * k + i] = TensorPrimitives.Dot(cross.AsSpan(i * k, k), row);
        }
        var soft = new float[n];
        var h = new float[n];
        var grad = new float[n];
        var m1 = new float[n];
        var m2 = new float[n];
        float norm = 2f / Math.Max(1, count);
        int warm = (int)(iterations * WarmUp);
        // offset = lower − zero point, so soft = scale·(clamp(h, lo, hi) + offset); sig, power: per-iteration scratch.
        var offset = new float[n];
        for (int i = 0; i < n; i++) offset[i] = lower[i] - Zero(p, firstChannel + i / k);
        var sig = new float[n];
        var power = new float[n];
        for (int t = 0; t < iterations; t++)
        {
            TensorPrimitives.Sigmoid(v, sig);
            for (int i = 0; i < n; i++)
            {
                h[i] = Math.Clamp(sig[i] * (Zeta - Gamma) + Gamma, 0f, 1f);
                soft[i] = scale[i] * (Math.Clamp(h[i], lo[i], hi[i]) + offset[i]);
            }
            // d/dW̃ of the reconstruction: 2(W̃G − X·W)/count (G is symmetric).
            RowsTimesSymmetric(soft, gram, grad, rows, k);
            bool regularise = t >= warm;
            float beta = regularise ? BetaEnd + 0.5f * (BetaStart - BetaEnd) * (1 + MathF.Cos(MathF.PI * (t - warm) / Math.Max(1, iterations - warm))) : 0;
            if (regularise)
            {
                // |2h − 1|^(β−1), vectorised: the one transcendental per weight and step.
                for (int i = 0; i < n; i++) power[i] = MathF.Abs(2 * h[i] - 1);
                TensorPrimitives.Pow(power, beta - 1, power);
            }
            float c1 = 1 - MathF.Pow(Beta1, t + 1), c2 = 1 - MathF.Pow(Beta2, t + 1);
            for (int i = 0; i < n; i++)
            {
                float raw = sig[i] * (Zeta - Gamma) + Gamma;
                // The rectified sigmoid passes no gradient where it is clipped, nor does a clamped grid point.
                if (!(raw > 0 && raw < 1)) continue;
                float dh = h[i] > lo[i] && h[i] < hi[i] ? norm * (grad[i] - target[i]) * scale[i] : 0f;
                if (regularise) dh -= Lambda * beta * power[i] * MathF.Sign(2 * h[i] - 1) * 2;
                float gv = dh * (Zeta - Gamma) * sig[i] * (1 - sig[i]);
                m1[i] = Beta1 * m1[i] + (1 - Beta1) * gv;
                m2[i] = Beta2 * m2[i] + (1 - Beta2) * gv * gv;
                v[i] -= LearningRate * (m1[i] / c1) / (MathF.Sqrt(m2[i] / c2) + Epsilon);
            }
        }
        var result = new float[n];
        for (int i = 0; i < n; i++)
        {
            float up = Math.Clamp(Sigmoid(v[i]) * (Zeta - Gamma) + Gamma, 0f, 1f) >= 0.5f ? 1f : 0f;
            float q = Math.Clamp(lower[i] + up, p.QMin, p.QMax);
            result[i] = QuantMath.Dequantize((int)q, scale[i], Zero(p, firstChannel + i / k));
        }
        return result;
    }

    /// <summary>
    /// result[o, i] = Σ_j a[o, j]·g[i, j] for [rows × k] <paramref name="a"/> and symmetric k×k <paramref name="g"/>:
    /// four rows of <paramref name="a"/> at a time share each read of a row of g, which is what bounds
    /// the speed once g outgrows the cache (k ≈ 1000 for MobileNetV2's widest layers).
    /// </summary>
    static void RowsTimesSymmetric(float[] a, float[] g, float[] result, int rows, int k)
    {
        int o = 0;
        for (; o + 4 <= rows; o += 4)
        {
            var a0 = a.AsSpan(o * k, k);
            var a1 = a.AsSpan((o + 1) * k, k);
            var a2 = a.AsSpan((o + 2) * k, k);
            var a3 = a.AsSpan((o + 3) * k, k);
            for (int i = 0; i < k; i++)
            {
                var gi = g.AsSpan(i * k, k);
                var (d0, d1, d2, d3) = Dot4(gi, a0, a1, a2, a3);
                result[o * k + i] = d0;
                result[(o + 1) * k + i] = d1;
                result[(o + 2) * k + i] = d2;
                result[(o + 3) * k + i] = d3;
            }
        }
        for (; o < rows; o++)
        {
            var row = a.AsSpan(o * k, k);
            for (int i = 0; i < k; i++) result[o * k + i] = TensorPrimitives.Dot(g.AsSpan(i * k, k), row);
        }
    }

    static (float, float, float, float) Dot4(ReadOnlySpan<float> g, ReadOnlySpan<float> a0, ReadOnlySpan<float> a1, ReadOnlySpan<float> a2, ReadOnlySpan<float> a3)
    {
        var s0 = System.Numerics.Vector<float>.Zero;
        var s1 = s0;
        var s2 = s0;
        var s3 = s0;
        int width = System.Numerics.Vector<float>.Count, j = 0;
        for (; j + width <= g.Length; j += width)
        {
            var v = new System.Numerics.Vector<float>(g.Slice(j));
            s0 += v * new System.Numerics.Vector<float>(a0.Slice(j));
            s1 += v * new System.Numerics.Vector<float>(a1.Slice(j));
            s2 += v * new System.Numerics.Vector<float>(a2.Slice(j));
            s3 += v * new System.Numerics.Vector<float>(a3.Slice(j));
        }
        float d0 = System.Numerics.Vector.Sum(s0), d1 = System.Numerics.Vector.Sum(s1), d2 = System.Numerics.Vector.Sum(s2), d3 = System.Numerics.Vector.Sum(s3);
        for (; j < g.Length; j++)
        {
            d0 += g[j] * a0[j];
            d1 += g[j] * a1[j];
            d2 += g[j] * a2[j];
            d3 += g[j] * a3[j];
        }
        return (d0, d1, d2, d3);
    }

    static (float Scale, int ZeroPoint) Grid(QuantParams p, int channel) =>
        p.PerTensor ? (p.Scale[0], p.ZeroPoint[0]) : (p.Scale[channel], p.ZeroPoint[channel]);

    static int Zero(QuantParams p, int channel) => p.PerTensor ? p.ZeroPoint[0] : p.ZeroPoint[channel];

    static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    static float[] ToFloat(double[] values)
    {
        var f = new float[values.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)values[i];
        return f;
    }
}
