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
public static class AdaRound
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
                float sig = (frac - Gamma) / (Zeta - Gamma);
                v[i] = MathF.Log(sig / (1 - sig));
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
        for (int t = 0; t < iterations; t++)
        {
            for (int i = 0; i < n; i++)
            {
                h[i] = Math.Clamp(Sigmoid(v[i]) * (Zeta - Gamma) + Gamma, 0f, 1f);
                soft[i] = scale[i] * (Math.Clamp(h[i], lo[i], hi[i]) + lower[i] - Zero(p, firstChannel + i / k));
            }
            // d/dW̃ of the reconstruction: 2(W̃G − X·W)/count, one row at a time (G is symmetric).
            for (int o = 0; o < rows; o++)
            {
                var row = soft.AsSpan(o * k, k);
                for (int i = 0; i < k; i++)
                    grad[o * k + i] = norm * (TensorPrimitives.Dot(gram.AsSpan(i * k, k), row) - target[o * k + i]);
            }
            bool regularise = t >= warm;
            float beta = regularise ? BetaEnd + 0.5f * (BetaStart - BetaEnd) * (1 + MathF.Cos(MathF.PI * (t - warm) / Math.Max(1, iterations - warm))) : 0;
            float c1 = 1 - MathF.Pow(Beta1, t + 1), c2 = 1 - MathF.Pow(Beta2, t + 1);
            for (int i = 0; i < n; i++)
            {
                float sig = Sigmoid(v[i]);
                float raw = sig * (Zeta - Gamma) + Gamma;
                // The rectified sigmoid passes no gradient where it is clipped, nor does a clamped grid point.
                bool live = raw > 0 && raw < 1 && h[i] > lo[i] && h[i] < hi[i];
                float dh = live ? grad[i] * scale[i] : 0f;
                if (regularise && raw > 0 && raw < 1)
                {
                    float d = 2 * h[i] - 1;
                    dh += -Lambda * beta * MathF.Pow(MathF.Abs(d), beta - 1) * MathF.Sign(d) * 2;
                }
                float gv = raw > 0 && raw < 1 ? dh * (Zeta - Gamma) * sig * (1 - sig) : 0f;
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
