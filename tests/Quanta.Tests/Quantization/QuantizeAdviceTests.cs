using Quanta.IR;
using Quanta.Quantization;

namespace Quanta.Tests.Quantization;

public class QuantizeAdviceTests
{
    [Fact]
    public void AConvolutionalModelQuantizedByDefaultNeedsNoAdvice()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        Assert.Empty(QuantizeAdvice.For(Quantize.Run(model, new QuantRecipe(), calibCount: 32)));
    }

    [SharedModelsFact]
    public void ATransformerOnX86IsPointedAtDynamicQuantizationAndAtBench()
    {
        var model = Model.Load(TestData.Model("fmnist_vit.onnx"));
        var result = Quantize.Run(model, new QuantRecipe { Target = "x86-vnni" }, calibCount: 32);
        var note = Assert.Single(QuantizeAdvice.For(result));
        Assert.Contains("--mode dynamic", note);
        Assert.Contains("quanta bench", note);
        Assert.Empty(QuantizeAdvice.For(Quantize.Run(model, new QuantRecipe { Target = "arm64" }, calibCount: 32)));
    }
}
