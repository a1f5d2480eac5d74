using Quanta.Runtime;
using Quanta.Training.Execution;
using static TorchSharp.torch;

namespace Quanta.Training.Tests;

/// <summary>Acceptance (1): the module, without fake quantization, computes what ONNX Runtime computes.</summary>
public class ParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx")]
    [InlineData("fmnist_resnet20.onnx")]
    [InlineData("fmnist_mobilenetv2.onnx")]
    [InlineData("fmnist_vit.onnx")]
    public void FloatModuleMatchesOnnxRuntime(string name)
    {
        var batch = Fixtures.FirstBatch(Fixtures.Test(32), 32);
        float[] expected;
        using (var runner = new ModelRunner(Fixtures.Load(name)))
            expected = runner.Run(batch)[0].Values;

        using var module = new OnnxModule(Fixtures.Normalized(name));
        module.eval();
        using var _ = no_grad();
        using var x = tensor(batch.Data, batch.Shape);
        using var y = module.forward(x);
        var actual = TensorConvert.Floats(y);

        Assert.Equal(expected.Length, actual.Length);
        float maxDiff = 0;
        for (int i = 0; i < expected.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
        output.WriteLine($"{name}: max |torch − ORT| = {maxDiff:g3}");
        Assert.True(maxDiff <= 1e-4f, $"{name}: max |torch − ORT| = {maxDiff}");
    }
}
