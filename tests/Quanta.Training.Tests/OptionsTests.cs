using Quanta.Training.Quant;

namespace Quanta.Training.Tests;

public class OptionsTests
{
    [Fact]
    public void ValidateReportsEveryProblem()
    {
        var problems = new QatOptions { WeightBits = 1, ActivationBits = 17, Epochs = 0, Batch = 0, Lr = -1, Method = "nope" }.Validate();
        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.Contains("--weight-bits"));
        Assert.Contains(problems, p => p.Contains("--lr"));
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
}
