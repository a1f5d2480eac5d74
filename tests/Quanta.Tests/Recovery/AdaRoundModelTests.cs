using Google.Protobuf;
using Quanta.Data;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Recovery;

/// <summary>
/// AdaRound end to end on a small three-layer CNN built in the test, fed real Fashion-MNIST images
/// (the demo sample): with 4-bit weights its output is closer to the float model's than
/// round-to-nearest's, and the same seed and data give the same weights twice.
/// </summary>
public class AdaRoundModelTests
{
    static IDataset Demo(string split, int count, int seed) =>
        DataSource.Open(Path.Combine(TestData.DemoDir, "fashion-mnist") + ":" + split, new DataOptions(TestData.FashionPreprocessing, count, seed));

    static Model ThreeConvs()
    {
        var b = new GraphKit("adaround_three_convs", 12);
        string x = b.Input("input", DataTypes.Float, "batch", 1, 28, 28);
        string h1 = b.Node("Relu", [b.Node("Conv", [x, b.Weight("w1", [8, 1, 3, 3], 9), b.Constant("b1", [8], new float[8])], GraphKit.Attr.Ints("pads", 1, 1, 1, 1))]);
        string h2 = b.Node("Relu", [b.Node("Conv", [h1, b.Weight("w2", [16, 8, 3, 3], 72), b.Constant("b2", [16], new float[16])], GraphKit.Attr.Ints("pads", 1, 1, 1, 1))]);
        string y = b.Named("Conv", "y", [h2, b.Weight("w3", [8, 16, 3, 3], 144), b.Constant("b3", [8], new float[8])]);
        b.Output(y, DataTypes.Float, "batch", 8, 26, 26);
        return b.Build();
    }

    static Model Quantize(Model model, bool adaround) =>
        StaticQuantizer.Quantize(model, Demo("train", 128, 0),
            new QuantRecipe { WeightType = QuantType.Int4, CalibCount = 128, AdaRound = adaround, AdaRoundIters = 300 }.Resolve(Hardware.Detect())).Model;

    /// <summary>Mean squared difference of the output "y" against the float model's, over held-out images.</summary>
    static double OutputError(Model reference, Model quantized)
    {
        using var f = new ModelRunner(reference);
        using var q = new ModelRunner(quantized);
        double sum = 0;
        long count = 0;
        foreach (var batch in Demo("test", 256, 1).Batches(64))
        {
            var a = f.Run(batch).Single(o => o.Name == "y").Values;
            var c = q.Run(batch).Single(o => o.Name == "y").Values;
            for (int i = 0; i < a.Length; i++) sum += (c[i] - a[i]) * (double)(c[i] - a[i]);
            count += a.Length;
        }
        return sum / count;
    }

    [Fact]
    public void AdaRound_output_is_closer_to_float_than_round_to_nearest_and_repeatable()
    {
        var model = ThreeConvs();
        var nearest = Quantize(model, adaround: false);
        var learned = Quantize(model, adaround: true);
        double rtn = OutputError(model, nearest), ada = OutputError(model, learned);
        Assert.True(ada < 0.9 * rtn, $"output mean squared error: round-to-nearest {rtn:E3}, AdaRound {ada:E3}");
        Assert.Contains("adaround 300 iterations", learned.Metadata("quanta.recipe"));
        // Deterministic: the same data and settings give the same quantized weights.
        var again = Quantize(model, adaround: true);
        foreach (var w in learned.Graph.Proto.Initializer)
            Assert.Equal(w.ToByteArray(), again.Graph.Initializer(w.Name)!.ToByteArray());
    }
}
