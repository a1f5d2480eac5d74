using Quanta.Numerics;
using Quanta.Training.Execution;
using Quanta.Training.Quant;
using static TorchSharp.torch;

namespace Quanta.Training.Tests;

/// <summary>The differentiable fake quantization computes QuantMath's values and the straight-through gradients.</summary>
public class FakeQuantTests
{
    static float[] Values(int n, int seed, float spread)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * spread).ToArray();
    }

    [Theory]
    [InlineData(QuantType.UInt8, false)]
    [InlineData(QuantType.Int8, true)]
    [InlineData(QuantType.Int4, true)]
    [InlineData(QuantType.UInt16, false)]
    public void PerTensorForwardEqualsQuantMath(QuantType type, bool symmetric)
    {
        var x = Values(4096, 1, 3f);
        var p = QuantMath.FromRange(-2.1f, 2.7f, new QuantSpec(type, symmetric)); // values outside the range clamp
        var expected = new float[x.Length];
        QuantMath.FakeQuantize(x, p, [x.Length], expected);

        var fq = new FakeQuantizer("t", new QuantizerConfig(new QuantSpec(type, symmetric), null, WeightScheme.Uniform, true, !symmetric), 1) { Quantizing = true };
        fq.Load(p.Scale, p.ZeroPoint);
        using var y = fq.forward(tensor(x));
        Assert.Equal(expected, TensorConvert.Floats(y));
    }

    [Fact]
    public void PerChannelForwardEqualsQuantMath()
    {
        long[] shape = [8, 3, 3, 3];
        var w = Values(8 * 27, 2, 0.5f);
        var spec = new QuantSpec(QuantType.Int4, Symmetric: true);
        var p = QuantMath.PerChannel(w, shape, 0, spec);
        var expected = new float[w.Length];
        QuantMath.FakeQuantize(w, p, shape, expected);

        var fq = new FakeQuantizer("w", QuantizerConfig.Weight(WeightScheme.Uniform, 4, false, 0, true), 8) { Quantizing = true, IsWeight = true };
        fq.Load(p.Scale, p.ZeroPoint);
        using var y = fq.forward(tensor(w, shape));
        Assert.Equal(expected, TensorConvert.Floats(y));
        Assert.Equal(p.Scale, fq.ToParams().Scale);
    }

    [Fact]
    public void SteGradientPassesInsideTheRangeAndIsZeroOutside()
    {
        // uint8 with scale 0.1, zero point 0: representable range [0, 25.5].
        var fq = new FakeQuantizer("a", QuantizerConfig.Activation(8, learnScale: true, learnZeroPoint: false), 1) { Quantizing = true };
        fq.Load([0.1f], [0]);
        var x = tensor(new[] { -1f, 0.04f, 3.33f, 25f, 30f }, [1, 5]).requires_grad_(true); // one sample of 5 values
        fq.forward(x).sum().backward();
        Assert.Equal(new[] { 0f, 1f, 1f, 1f, 0f }, TensorConvert.Floats(x.grad!).Select(g => MathF.Round(g, 5)).ToArray());
        // LSQ: the scale's gradient is round(x/s) − x/s inside, the clamp bound outside (times the gradient scale).
        var g = 1 / Math.Sqrt(5 * 255.0);
        double expected = (0 + (0 - 0.4) + (33 - 33.3) + (250 - 250) + 255) * g;
        Assert.Equal(expected, fq.Scale.grad!.item<float>(), 3);
    }

    [Fact]
    public void TernaryAndBinaryWeightsTakeOnlyTheirLevels()
    {
        var w = tensor(Values(64 * 9, 3, 1f), [64, 9]);
        foreach (var scheme in new[] { WeightScheme.Ternary, WeightScheme.Binary })
        {
            var fq = new FakeQuantizer("w", QuantizerConfig.Weight(scheme, 8, false, 0, true), 64) { Quantizing = true, IsWeight = true };
            WeightInit.Initialize(fq, w);
            using var y = fq.forward(w);
            var s = TensorConvert.Floats(fq.Scale);
            var v = TensorConvert.Floats(y);
            var levels = v.Select((value, i) => (int)MathF.Round(value / s[i / 9])).Distinct().Order().ToArray();
            Assert.Equal(scheme == WeightScheme.Ternary ? new[] { -1, 0, 1 } : new[] { -1, 1 }, levels);
        }
    }
}
