using Quanta.IR;
using Quanta.Quantization.Float16;
using Quanta.Runtime;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Modes;

/// <summary>float16 / bfloat16 conversion of the reference models, run in ONNX Runtime.</summary>
public class Float16Tests
{
    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx")]
    [InlineData("fmnist_vit.onnx")]
    public void Fp16KeepsAccuracyAndHalvesTheFile(string file)
    {
        var model = Model.Load(TestData.Model(file));
        var result = Float16Converter.Convert(model, new Float16Options());
        var converted = Q.SavedAndLoaded(result.Model);
        Assert.True(converted.SerializedBytes() <= 0.52 * model.SerializedBytes(), $"{converted.SerializedBytes()} vs {model.SerializedBytes()}");
        Assert.Equal(Quanta.Onnx.DataTypes.Float, converted.Graph.Inputs[0].Type.TensorType.ElemType);
        Assert.Equal(Quanta.Onnx.DataTypes.Float, converted.Graph.Outputs[0].Type.TensorType.ElemType);
        var test = Q.Test(1000);
        double drop = Q.Top1(model, test) - Q.Top1(converted, test);
        Assert.True(Math.Abs(drop) <= 0.001, $"{file}: top-1 changed by {drop * 100:0.00} points");
        Assert.True(result.ConvertedNodes > 0);
        Assert.Contains("float16", converted.Metadata("quanta.recipe"));
    }

    [Fact]
    public void Bf16RunsOrNamesTheMissingKernels()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        try
        {
            var result = Float16Converter.Convert(model, new Float16Options { Precision = LowPrecision.BFloat16 });
            var test = Q.Test(500);
            double drop = Q.Top1(model, test) - Q.Top1(Q.SavedAndLoaded(result.Model), test);
            Assert.True(drop <= 0.01, $"bf16: top-1 dropped {drop * 100:0.00} points");
            if (result.KeptFloat.Any(k => k.Reason.Contains("kernel"))) Assert.Contains(result.Notes, n => n.Contains("no bfloat16 kernel"));
        }
        catch (QuantaException e) when (e.Kind == FailureKind.NotMet)
        {
            Assert.Contains("no bfloat16 kernel for", e.Message);
            Assert.Contains("Conv", e.Message);
        }
    }

    [SharedModelsFact]
    public void WeightsFp16ShrinksTheFileAndKeepsOutputs()
    {
        var model = Model.Load(TestData.Model("fmnist_resnet20.onnx"));
        var result = Float16Converter.Convert(model, new Float16Options { WeightsOnly = true });
        var converted = Q.SavedAndLoaded(result.Model);
        Assert.True(converted.SerializedBytes() <= 0.52 * model.SerializedBytes(), $"{converted.SerializedBytes()} vs {model.SerializedBytes()}");
        Assert.Contains(converted.Graph.Initializers, t => t.DataType == Quanta.Onnx.DataTypes.Float16);
        var batch = Q.Test(64).Batches(64).First();
        using var a = new ModelRunner(model);
        using var b = new ModelRunner(converted);
        var ya = a.Run(batch)[0].Values;
        var yb = b.Run(batch)[0].Values;
        for (int i = 0; i < ya.Length; i++) Assert.True(Math.Abs(ya[i] - yb[i]) <= 1e-2 * Math.Max(1, Math.Abs(ya[i])), $"logit {i}: {ya[i]} vs {yb[i]}");
    }
}
