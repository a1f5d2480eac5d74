using Quanta.Analysis;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Quantization;

/// <summary>
/// Where Q/DQ go so that ONNX Runtime fuses the int8 model, checked on the structure of small
/// detector- and transformer-shaped graphs quantized with the defaults on Fashion-MNIST images.
/// </summary>
public class PlacementTests
{
    static QuantizeResult Quantized(Model model) =>
        StaticQuantizer.Quantize(model, Quantize.Calibration(32), new QuantRecipe { CalibCount = 32 }.Resolve(Hardware.Detect()));

    /// <summary>
    /// A detector in miniature: a Conv trunk, two score heads (1×1 Conv → Transpose to NHWC → Reshape)
    /// concatenated into a Softmax, and a box head decoded by Mul/Add/Exp after its last Conv.
    /// </summary>
    static Model Detector()
    {
        var k = new GraphKit("placement-detector", seed: 3);
        k.Input("input", DataTypes.Float, "batch", 1, 28, 28);
        string trunk = k.Named("Relu", "trunk", [k.Named("Conv", "trunk_conv", ["input", k.Weight("w_trunk", [8, 1, 3, 3], 9), k.Zeros("b_trunk", 8)],
            GraphKit.Attr.Ints("pads", 1, 1, 1, 1))]);
        string Head(string name, int last)
        {
            string conv = k.Named("Conv", $"{name}_conv", [trunk, k.Weight($"w_{name}", [last, 8, 1, 1], 8)]);
            string nhwc = k.Named("Transpose", $"{name}_nhwc", [conv], GraphKit.Attr.Ints("perm", 0, 2, 3, 1));
            return k.Named("Reshape", $"{name}_rows", [nhwc, k.Int64s($"{name}_shape", 0, -1, last)]);
        }
        string scores = k.Named("Concat", "scores_cat", [Head("score_a", 2), Head("score_b", 2)], GraphKit.Attr.Int("axis", 1));
        k.Named("Softmax", "scores", [scores], GraphKit.Attr.Int("axis", 2));
        string scaled = k.Named("Mul", "box_scaled", [Head("box", 4), k.Scalar("variance", 0.1f)]);
        string shifted = k.Named("Add", "box_shifted", [scaled, k.Scalar("prior", 0.5f)]);
        k.Named("Exp", "boxes", [shifted]);
        k.Output("scores", DataTypes.Float, "batch", 1568, 2);
        k.Output("boxes", DataTypes.Float, "batch", 784, 4);
        return k.Build();
    }

    [Fact]
    public void ConcatAndItsInputsShareOneScaleSoNoRequantizationSurroundsIt()
    {
        var g = Quantized(Detector()).Model.Graph;
        string scale = ScaleOf(g, "scores_cat");
        // The heads' Conv outputs, the Transpose/Reshape after them and the Concat all use one scale and zero point.
        foreach (var tensor in new[] { "score_a_conv", "score_a_nhwc", "score_a_rows", "score_b_conv", "score_b_rows" })
            Assert.Equal(scale, ScaleOf(g, tensor));
        var concat = g.Nodes.Single(n => n.OpType == "Concat");
        foreach (var input in concat.Input)
        {
            var dq = g.Producer(input)!;
            Assert.Equal("DequantizeLinear", dq.OpType);
            Assert.Equal(scale, dq.Input[1]); // DQ → Concat → Q with equal parameters: a copy of integers
        }
    }

    [Fact]
    public void ADetectionHeadsBoxDecodingAfterTheLastConvStaysFloat()
    {
        var result = Quantized(Detector());
        var g = result.Model.Graph;
        foreach (var tensor in new[] { "box_scaled", "box_shifted" })
        {
            Assert.Contains(g.Producer(tensor)!.OpType, new[] { "Mul", "Add" }); // the float op writes it
            Assert.DoesNotContain(g.Consumers(tensor), n => n.OpType == "QuantizeLinear");
        }
        Assert.Equal("box_scaled", g.Producer("box_shifted")!.Input[0]); // Add reads the Mul's float output directly
        Assert.Contains(result.Plan.KeptFloat, k => k.OpType == "Mul" && k.Reason.Contains("tail"));
        Assert.Contains(result.Plan.KeptFloat, k => k.OpType == "Add" && k.Reason.Contains("inputs are float"));
        Assert.DoesNotContain(g.Nodes, n => n.OpType == "QuantizeLinear" && n.Input[0] == "scores"); // outputs stay float
        // The Convs themselves are quantized.
        Assert.Equal(4, result.Plan.QuantizedNodes.Count(n => n.OpType == "Conv"));
    }

    [Fact]
    public void TransformerMatMulsOnFloatInputsAreQuantizedDynamically()
    {
        // LayerNorm → Linear → GELU → Linear → LayerNorm → Softmax: the MatMuls read float tensors.
        var k = new GraphKit("placement-mlp-block", seed: 5);
        k.Input("input", DataTypes.Float, "batch", 1, 28, 28);
        string tokens = k.Node("Reshape", ["input", k.Int64s("shape", 0, 28, 28)]);
        string hidden = k.Gelu(k.Linear(k.LayerNorm(tokens, 28, "ln1"), 28, 64, "fc1"), "gelu");
        string mixed = k.Linear(hidden, 64, 28, "fc2");
        string pooled = k.Node("ReduceMean", [k.LayerNorm(mixed, 28, "ln2")], GraphKit.Attr.Ints("axes", 1), GraphKit.Attr.Int("keepdims", 0));
        string logits = k.Linear(pooled, 28, 10, "head");
        k.Graph.Node.Add(new Onnx.Proto.NodeProto { OpType = "Softmax", Name = "/probs", Input = { logits }, Output = { "probs" } });
        k.Output("probs", DataTypes.Float, "batch", 10);
        var model = k.Build("placement-mlp-block");

        var result = Quantized(model);
        var g = result.Model.Graph;
        Assert.Equal(3, g.Nodes.Count(n => n.OpType == "DynamicQuantizeMatMul"));
        Assert.DoesNotContain(g.Nodes, n => n.OpType is "MatMul" or "QuantizeLinear");
        Assert.Equal(3, result.Plan.Dynamic.Count);
        // The file runs in ONNX Runtime and stays close to the float model.
        var reference = ReferenceRun.Of(model, Quantize.Test(200), new ScoreOptions(Metric: Metric.Cosine));
        Assert.True(reference.Score(result.Model).MeanCosine >= 0.99);
    }

    /// <summary>The scale initializer of the QuantizeLinear that reads <paramref name="tensor"/>.</summary>
    static string ScaleOf(Graph g, string tensor) => g.Consumers(tensor).Single(n => n.OpType == "QuantizeLinear").Input[1];
}
