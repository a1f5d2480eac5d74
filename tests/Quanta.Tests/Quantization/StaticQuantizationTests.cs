using Quanta.Calibration;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Quantization;

namespace Quanta.Tests.Quantization;

/// <summary>Static quantization of the reference models, end to end through ONNX Runtime.</summary>
public class StaticQuantizationTests
{
    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx")]
    [InlineData("fmnist_resnet20.onnx")]
    [InlineData("fmnist_mobilenetv2.onnx")]
    [InlineData("fmnist_vit.onnx")]
    public void DefaultRecipeKeepsAccuracy(string file)
    {
        var model = Model.Load(TestData.Model(file));
        var result = Quantize.Run(model, new QuantRecipe());
        var quantized = Quantize.SavedAndLoaded(result.Model);
        var test = Quantize.Test();
        double drop = Quantize.Top1(model, test) - Quantize.Top1(quantized, test);
        // 0.3 points is the target on the full test split (bench/); a 2,000-image subset allows a little noise.
        Assert.True(drop <= 0.004, $"{file}: top-1 dropped {drop * 100:0.00} points");
        Assert.True(result.Plan.QuantizedNodes.Count > 0);
        Assert.Contains(quantized.Graph.Nodes, n => n.OpType == "QuantizeLinear");
    }

    [Fact]
    public void ConvReluIsFusedAndPassThroughSharesParameters()
    {
        var result = Quantize.Run(Model.Load(TestData.Model("fmnist_cnn.onnx")), new QuantRecipe(), calibCount: 64);
        var g = result.Model.Graph;
        Assert.DoesNotContain(g.Nodes, n => n.OpType == "Relu"); // folded into the Conv's output quantization
        foreach (var pool in g.Nodes.Where(n => n.OpType == "MaxPool"))
        {
            var dq = g.Producer(pool.Input[0])!;
            var q = g.Consumers(pool.Output[0]).Single(n => n.OpType == "QuantizeLinear");
            Assert.Equal("DequantizeLinear", dq.OpType);
            Assert.Equal(dq.Input[1], q.Input[1]); // same scale tensor
            Assert.Equal(dq.Input[2], q.Input[2]); // same zero point
        }
        Assert.Equal("logits", g.Outputs[0].Name);
        Assert.Equal("Gemm", g.Producer("logits")!.OpType); // the model's output stays float
    }

    [Fact]
    public void OutputIsDeterministicAndRecordsHowItWasMade()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var a = Quantize.Run(model, new QuantRecipe(), calibCount: 64).Model;
        var b = Quantize.Run(model, new QuantRecipe(), calibCount: 64).Model;
        Assert.Equal(a.ToBytes(), b.ToBytes());
        Assert.Contains("calibration auto", a.Metadata("quanta.recipe")); // the default
        Assert.Contains("scored", a.Metadata(Quanta.Calibration.AutoCalibration.MetadataKey)); // auto records its choice and scores
        var minmax = Quantize.Run(model, new QuantRecipe { Method = CalibrationMethod.MinMax }, calibCount: 64).Model;
        Assert.Contains("calibration minmax", minmax.Metadata("quanta.recipe"));
        Assert.Null(minmax.Metadata(Quanta.Calibration.AutoCalibration.MetadataKey)); // a single method records no choice
        Assert.Contains("64 samples", a.Metadata("quanta.calibration"));
        Assert.Equal("quanta", a.Proto.ProducerName);
        Assert.Equal(64, a.Metadata("quanta.calibration.sha256")!.Length);
    }

    // mean ± 3σ clips the long right tail of ReLU outputs by design: it is the cheapest method, not the most accurate.
    [Theory]
    [InlineData(CalibrationMethod.MinMax, 0.01)]
    [InlineData(CalibrationMethod.MovingAverage, 0.01)]
    [InlineData(CalibrationMethod.MeanStd, 0.05)]
    [InlineData(CalibrationMethod.Percentile, 0.01)]
    [InlineData(CalibrationMethod.Entropy, 0.01)]
    [InlineData(CalibrationMethod.Mse, 0.01)]
    [InlineData(CalibrationMethod.Auto, 0.01)]
    public void EveryCalibrationMethodWorks(CalibrationMethod method, double maxDrop)
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var result = Quantize.Run(model, new QuantRecipe { Method = method }, calibCount: 256);
        var test = Quantize.Test(1000);
        double drop = Quantize.Top1(model, test) - Quantize.Top1(Quantize.SavedAndLoaded(result.Model), test);
        Assert.True(drop <= maxDrop, $"{method}: top-1 dropped {drop * 100:0.00} points");
        Assert.All(result.Ranges, r => Assert.True(r.Max > r.Min && r.Scale > 0));
    }

    [Fact]
    public void QOperatorFormatUsesIntegerOperators()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var result = Quantize.Run(model, new QuantRecipe { Format = QuantFormat.QOperator }, calibCount: 256);
        var g = result.Model.Graph;
        Assert.Equal(3, g.Nodes.Count(n => n.OpType == "QLinearConv"));
        Assert.DoesNotContain(g.Nodes, n => n.OpType == "Conv");
        var test = Quantize.Test(1000);
        double drop = Quantize.Top1(model, test) - Quantize.Top1(Quantize.SavedAndLoaded(result.Model), test);
        Assert.True(drop <= 0.01, $"qoperator: top-1 dropped {drop * 100:0.00} points");
    }

    [Fact]
    public void Int4WeightsShrinkTheModel()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var result = Quantize.Run(model, new QuantRecipe { WeightType = QuantType.Int4 }, calibCount: 256);
        var saved = Quantize.SavedAndLoaded(result.Model);
        Assert.True(result.Model.SerializedBytes() < 0.2 * model.SerializedBytes());
        Assert.Contains(saved.Graph.Initializers, t => t.DataType == Quanta.Onnx.DataTypes.Int4);
        var test = Quantize.Test(1000);
        double drop = Quantize.Top1(model, test) - Quantize.Top1(saved, test);
        Assert.True(drop <= 0.02, $"int4: top-1 dropped {drop * 100:0.00} points");
    }

    [Fact]
    public void ExcludedNodesStayFloat()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        string first = model.Graph.Nodes.First(n => n.OpType == "Conv").Name;
        var result = Quantize.Run(model, new QuantRecipe { Exclude = [first] }, calibCount: 64);
        Assert.Contains(result.Plan.KeptFloat, k => k.Node == first && k.Reason.Contains("excluded"));
        var conv = result.Model.Graph.Nodes.First(n => n.Name == first);
        Assert.NotEqual("DequantizeLinear", result.Model.Graph.Producer(conv.Input[1])?.OpType);
    }
}
