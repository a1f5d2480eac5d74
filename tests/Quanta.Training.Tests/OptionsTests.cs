using Quanta.Training.Quant;

namespace Quanta.Training.Tests;

public class OptionsTests
{
    [Fact]
    public void ValidateReportsEveryProblem()
    {
        var problems = new QatOptions { WeightBits = 1, ActivationBits = 17, Epochs = 0, Batch = 0, Lr = -1, CalibCount = 0 }.Validate();
        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("WeightBits", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Lr", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("--")); // only the command line knows flags
    }

    [Fact]
    public void WeightRangesFollowBitsAndScheme()
    {
        var w3 = QuantizerConfig.Weight(WeightScheme.Uniform, 3, false, 0, true);
        Assert.Equal((-3, 3, Numerics.QuantType.Int4), (w3.QMin, w3.QMax, w3.Container));
        var t = QuantizerConfig.Weight(WeightScheme.Ternary, 8, true, 0, true);
        Assert.Equal((-1, 1, Numerics.QuantType.Int8), (t.QMin, t.QMax, t.Container));
        var w8 = QuantizerConfig.Weight(WeightScheme.Uniform, 8, true, 0, true);
        Assert.Equal(63, w8.QMax); // 7-bit, as PTQ's reduce range
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(11)]
    [InlineData(16)]
    public void EveryBitWidthGetsPtqsBoundsAndRangeRule(int bits)
    {
        // QAT's quantizers carry a PTQ spec: the textbook integer ranges, and calibration's FromRange at that width.
        var a = QuantizerConfig.Activation(bits, true, true);
        Assert.Equal((0, (1 << bits) - 1), (a.QMin, a.QMax));
        var w = QuantizerConfig.Weight(WeightScheme.Uniform, bits, false, 0, true);
        Assert.Equal((-((1 << (bits - 1)) - 1), (1 << (bits - 1)) - 1), (w.QMin, w.QMax));
        var p = Numerics.QuantMath.FromRange(-1f, 3f, a.Spec);
        Assert.Equal((a.QMin, a.QMax), (p.QMin, p.QMax));
        Assert.Equal(4f / a.QMax, p.Scale[0], 6);
    }

    [Fact]
    public void ASpecWiderThanItsStorageTypeIsBadInput()
    {
        Assert.Throws<QuantaException>(() => new Numerics.QuantSpec(Numerics.QuantType.UInt8) { Width = 9 });
        Assert.Throws<QuantaException>(() => new Numerics.QuantSpec(Numerics.QuantType.Int4) { Width = 1 });
    }
}
