using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Attr = Quanta.Tests.TestModels.GraphKit.Attr;

namespace Quanta.Tests.TestModels;

/// <summary>
/// Models shaped like other people's exports: a reference model re-exported with a fixed batch of
/// 1, a two-image model, and a token model with int64 ids and mask of any sequence length.
/// </summary>
static class ExportShapes
{
    /// <summary>The model with its first input and output dimension fixed at <paramref name="batch"/> (as many detectors are exported).</summary>
    public static Model FixedBatch(Model model, long batch = 1)
    {
        var m = model.Clone();
        foreach (var v in m.Graph.Inputs.Concat(m.Graph.Outputs))
            if (v.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape)
                shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = batch };
        m.Graph.Changed();
        return m;
    }

    /// <summary>Two grey 28×28 images ("left", "right") → a conv each → added → pooled → 10 scores.</summary>
    public static Model TwoImages()
    {
        var b = new GraphKit("two_images", seed: 1);
        var left = b.Input("left", DataTypes.Float, "batch", 1, 28, 28);
        var right = b.Input("right", DataTypes.Float, "batch", 1, 28, 28);
        var conv = (string x, string side) => b.Node("Relu", [b.Node("Conv", [x, b.Weight($"{side}.w", [16, 1, 3, 3], 9), b.Zeros($"{side}.b", 16)],
            Attr.Ints("pads", 1, 1, 1, 1))]);
        var sum = b.Node("Add", [conv(left, "left"), conv(right, "right")]);
        var mixed = b.Node("Relu", [b.Node("Conv", [sum, b.Weight("mix.w", [16, 16, 3, 3], 144), b.Zeros("mix.b", 16)], Attr.Ints("strides", 2, 2))]);
        var pooled = b.Node("Flatten", [b.Node("GlobalAveragePool", [mixed])]);
        b.Named("Gemm", "scores", [pooled, b.Weight("fc.w", [10, 16], 16), b.Zeros("fc.b", 10)], Attr.Int("transB", 1));
        b.Output("scores", DataTypes.Float, "batch", 10);
        return b.Build();
    }

    /// <summary>
    /// input_ids, attention_mask (int64 [batch, seq]) → token embedding, masked mean over the
    /// sequence → two dense layers → a 32-wide embedding (a tiny sentence encoder).
    /// </summary>
    public static Model Tokens(int vocab = 1000, int width = 64)
    {
        var b = new GraphKit("tokens", seed: 2);
        var ids = b.Input("input_ids", DataTypes.Int64, "batch", "seq");
        var mask = b.Input("attention_mask", DataTypes.Int64, "batch", "seq");
        var table = b.Weight("embeddings", [vocab, width], 2);
        var tokens = b.Node("Gather", [table, ids]);
        var m = b.Node("Unsqueeze", [b.Node("Cast", [mask], Attr.Int("to", DataTypes.Float)), b.Int64s("axis_last", -1)]);
        var summed = b.Node("ReduceSum", [b.Node("Mul", [tokens, m]), b.Int64s("axis_seq", 1)], Attr.Int("keepdims", 0));
        var count = b.Node("ReduceSum", [m, b.Int64s("axis_seq", 1)], Attr.Int("keepdims", 0));
        var mean = b.Node("Div", [summed, count]);
        var hidden = b.Node("Relu", [b.Node("Gemm", [mean, b.Weight("dense1.w", [128, width], width), b.Zeros("dense1.b", 128)], Attr.Int("transB", 1))]);
        b.Named("Gemm", "embedding", [hidden, b.Weight("dense2.w", [32, 128], 128), b.Zeros("dense2.b", 32)], Attr.Int("transB", 1));
        b.Output("embedding", DataTypes.Float, "batch", 32);
        return b.Build();
    }
}
