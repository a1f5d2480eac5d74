namespace Quanta.Numerics;

/// <summary>
/// Weight ranges that minimise quantization error instead of covering every value. At 8 bits the
/// min/max range is nearly optimal; at 4 bits and below a few outlying weights stretch the
/// step for the whole channel, and shrinking the range (clipping them) lowers the total squared
/// error. Per channel, the shrink factor is searched on a grid in [<see cref="MinFactor"/>, 1].
/// </summary>
internal static class WeightClipping
{
    const float MinFactor = 0.5f;
    const int Steps = 50;

    /// <summary>Per-channel parameters along <paramref name="axis"/> with the MSE-optimal range per channel.</summary>
    public static QuantParams PerChannel(ReadOnlySpan<float> weights, long[] shape, int axis, QuantSpec spec)
    {
        var minmax = QuantMath.PerChannel(weights, shape, axis, spec);
        int a = axis < 0 ? axis + shape.Length : axis;
        long inner = 1, outer = 1;
        for (int i = a + 1; i < shape.Length; i++) inner *= shape[i];
        for (int i = 0; i < a; i++) outer *= shape[i];
        int channels = (int)shape[a];
        var buffer = new float[outer * inner];
        var scales = new float[channels];
        var zeroPoints = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            int k = 0;
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++)
                    buffer[k++] = weights[(int)((o * channels + c) * inner + i)];
            var best = Best(buffer, spec);
            scales[c] = best.Scale[0];
            zeroPoints[c] = best.ZeroPoint[0];
        }
        return minmax with { Scale = scales, ZeroPoint = zeroPoints };
    }

    /// <summary>One MSE-optimal range for the whole tensor.</summary>
    public static QuantParams PerTensor(ReadOnlySpan<float> weights, QuantSpec spec) => Best(weights, spec);

    static QuantParams Best(ReadOnlySpan<float> values, QuantSpec spec)
    {
        float min = 0, max = 0;
        foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        QuantParams? best = null;
        double bestError = double.PositiveInfinity;
        for (int s = 0; s <= Steps; s++)
        {
            float factor = 1f - (1f - MinFactor) * s / Steps;
            var p = QuantMath.FromRange(min * factor, max * factor, spec);
            double error = SquaredError(values, p.Scale[0], p.ZeroPoint[0], p.QMin, p.QMax);
            if (error < bestError) { bestError = error; best = p; }
        }
        return best!;
    }

    static double SquaredError(ReadOnlySpan<float> values, float scale, int zeroPoint, int qmin, int qmax)
    {
        double sum = 0;
        foreach (var v in values)
        {
            float d = QuantMath.Dequantize(QuantMath.Quantize(v, scale, zeroPoint, qmin, qmax), scale, zeroPoint) - v;
            sum += d * d;
        }
        return sum;
    }
}
