using Quanta.IR;
using Quanta.Quantization.Dynamic;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Modes;

/// <summary>Dynamic quantization of the reference models, run in ONNX Runtime on real Fashion-MNIST.</summary>
public class DynamicTests
{
    [SharedModelsTheory]
    [InlineData(DynamicKernel.Fused)]
    [InlineData(DynamicKernel.Standard)]
    public void VitKeepsAccuracy(DynamicKernel kernel)
    {
        var model = Model.Load(TestData.Model("fmnist_vit.onnx"));
        var result = DynamicQuantizer.Quantize(model, new DynamicOptions { Kernel = kernel });
        var quantized = Q.SavedAndLoaded(result.Model);
        var test = Q.Test(1000);
        double drop = Q.Top1(model, test) - Q.Top1(quantized, test);
        Assert.True(drop <= 0.005, $"{kernel}: top-1 dropped {drop * 100:0.00} points");
        Assert.True(result.ConvertedByOpType.GetValueOrDefault("MatMul") >= 8, string.Join(",", result.ConvertedByOpType));
        Assert.True(result.ConvertedByOpType.GetValueOrDefault("Gemm") >= 1);
        Assert.DoesNotContain(quantized.Graph.Nodes, n => n.OpType is "Gemm");
        Assert.True(quantized.SerializedBytes() <= 0.35 * model.SerializedBytes(), $"{quantized.SerializedBytes()} vs {model.SerializedBytes()}");
        Assert.Contains("dynamic", quantized.Metadata("quanta.recipe"));
    }

    [Fact]
    public void CnnRunsAndWarnsThatStaticIsFaster()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var result = DynamicQuantizer.Quantize(model, new DynamicOptions());
        var quantized = Q.SavedAndLoaded(result.Model);
        Assert.Contains(quantized.Graph.Nodes, n => n.OpType == "ConvInteger");
        var test = Q.Test(1000);
        double drop = Q.Top1(model, test) - Q.Top1(quantized, test);
        Assert.True(drop <= 0.01, $"top-1 dropped {drop * 100:0.00} points");
        Assert.Contains(result.Notes, n => n.Contains("slower than static"));
    }
}
