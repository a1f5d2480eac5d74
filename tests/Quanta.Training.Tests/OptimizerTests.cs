using Quanta.Training.Execution;
using Quanta.Training.Train;
using TorchSharp;
using static TorchSharp.torch;

namespace Quanta.Training.Tests;

/// <summary>Quanta's optimizers against TorchSharp's, which follow PyTorch's update rules, on one small problem.</summary>
public class OptimizerTests
{
    const int Steps = 6;

    /// <summary>A least-squares problem on a 4×3 parameter; returns the parameter after <see cref="Steps"/> updates.</summary>
    static float[] Run(Action<Tensor> step, Tensor p)
    {
        var x = tensor(new float[] { 0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f }, [2, 3]);
        var y = tensor(new float[] { 1f, -2f, 0.5f, 3f, 0f, -1f, 2f, 1f }, [2, 4]);
        for (int i = 0; i < Steps; i++)
        {
            var loss = (x.matmul(p.t()) - y).square().sum();
            loss.backward();
            step(p);
        }
        return TensorConvert.Floats(p.detach());
    }

    static TorchSharp.Modules.Parameter Parameter() =>
        new(tensor(new float[] { 0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, -0.7f, 0.8f, 0.9f, -1f, 1.1f, -1.2f }, [4, 3]));

    static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void SgdWithMomentumAndWeightDecayMatchesPyTorchsRule()
    {
        var mine = Parameter();
        var ours = new Sgd([mine], 0.01, 0.9, 1e-3);
        var theirs = Parameter();
        var reference = optim.SGD([theirs], 0.01, 0.9, weight_decay: 1e-3);
        var expected = Run(p => { reference.step(); reference.zero_grad(); }, theirs);
        var actual = Run(p => { ours.Step(); ours.ZeroGrad(); }, mine);
        Assert.NotEqual(TensorConvert.Floats(Parameter().detach()), actual); // it moved
        AssertClose(expected, actual);
    }

    [Fact]
    public void AdamWMatchesPyTorchsRule()
    {
        var mine = Parameter();
        var ours = new AdamW([mine], 0.05, 0.01);
        var theirs = Parameter();
        var reference = optim.AdamW([theirs], 0.05, 0.9, 0.999, 1e-8, 0.01);
        var expected = Run(p => { reference.step(); reference.zero_grad(); }, theirs);
        var actual = Run(p => { ours.Step(); ours.ZeroGrad(); }, mine);
        Assert.NotEqual(TensorConvert.Floats(Parameter().detach()), actual);
        AssertClose(expected, actual);
    }

    [Fact]
    public void SavedStateResumesTheSameTrajectory()
    {
        string file = Path.Combine(Path.GetTempPath(), $"quanta-adamw-{Guid.NewGuid():N}.bin");
        try
        {
            var straight = Parameter();
            var once = new AdamW([straight], 0.05, 0.01);
            var expected = Run(p => { once.Step(); once.ZeroGrad(); }, straight);

            var first = Parameter();
            var before = new AdamW([first], 0.05, 0.01);
            int taken = 0;
            Run(p => { if (taken++ < Steps / 2) { before.Step(); } before.ZeroGrad(); }, first);
            // Continue from the saved moments and step count with a fresh optimizer over the same parameter.
            before.Save(file);
            var after = new AdamW([first], 0.05, 0.01);
            after.Load(file);
            taken = 0;
            var actual = Run(p => { if (taken++ < Steps / 2) { after.Step(); } after.ZeroGrad(); }, first);
            AssertClose(expected, actual);
        }
        finally { File.Delete(file); }
    }
}
