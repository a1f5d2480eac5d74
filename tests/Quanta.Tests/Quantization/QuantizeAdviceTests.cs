using Quanta.IR;
using Quanta.Numerics;
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
    public void ATransformerGetsDynamicMatMulsAndAdviceOnlyWhenForcedStatic()
    {
        var model = Model.Load(TestData.Model("fmnist_vit.onnx"));
        // By default the MatMuls after LayerNorm/GELU/Softmax are quantized dynamically: nothing to warn about.
        var byDefault = Quantize.Run(model, new QuantRecipe { Target = Targets.X86Vnni }, calibCount: 32);
        Assert.NotEmpty(byDefault.Plan.Dynamic);
        Assert.Empty(QuantizeAdvice.For(byDefault));
        // A per-node activation type asks for static activations everywhere: then the note points at dynamic and bench.
        var staticNodes = new Dictionary<string, NodeOverride> { ["*"] = new(ActivationType: QuantType.UInt8) };
        var forcedStatic = Quantize.Run(model, new QuantRecipe { Target = Targets.X86Vnni, Nodes = staticNodes }, calibCount: 32);
        Assert.Empty(forcedStatic.Plan.Dynamic);
        var note = Assert.Single(QuantizeAdvice.For(forcedStatic));
        Assert.Contains("dynamic quantization", note);
        Assert.Contains("quanta bench", note);
        Assert.Empty(QuantizeAdvice.For(Quantize.Run(model, new QuantRecipe { Target = Targets.Arm64, Nodes = staticNodes }, calibCount: 32)));
    }
}
