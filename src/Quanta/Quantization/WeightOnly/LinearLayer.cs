using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// A MatMul or Gemm seen as <c>Y = X·W (+ bias)</c> with a constant <c>W [K, N]</c> (Gemm's
/// transB, alpha and beta folded in). With <c>fuseBias</c>, a MatMul's following constant
/// bias Add joins the layer (<see cref="Replaced"/> then lists both nodes).
/// The weight is read only when <see cref="ReadWeight"/> is called, so finding every layer of a
/// model costs no memory and a streaming pass holds one layer's weight at a time.
/// <see cref="ElementType"/> is the layer's float type (float, float16 or bfloat16), in which
/// scales and biases are written back. <see cref="ReadFloat16"/> reads a float16 MatMul weight as stored
/// (null for other weights, and for weights rewritten before quantization).
/// </summary>
sealed record LinearLayer(NodeProto Node, string Input, int K, int N, float[]? Bias, string Output, NodeProto[] Replaced, int ElementType,
    Func<float[]> ReadWeight, Func<Half[]>? ReadFloat16 = null)
{
    public string Name => Node.Name.Length > 0 ? Node.Name : Node.Output[0];

    /// <summary>The layer, or the reason <paramref name="node"/> stays float.</summary>
    public static (LinearLayer? Layer, string? Reason) Find(Graph g, NodeProto node, bool fuseBias)
    {
        return node.OpType switch
        {
            "MatMul" => FromMatMul(g, node, fuseBias),
            "Gemm" => FromGemm(g, node),
            _ => (null, "not a MatMul or Gemm"),
        };
    }

    static (LinearLayer?, string?) FromMatMul(Graph g, NodeProto node, bool fuseBias)
    {
        if (Constant(g, node.Input[1]) is not { } w) return (null, "right operand is computed, not a constant float weight");
        if (!InputMatches(g, node.Input[0], w.DataType)) return (null, "input is not float of the weight's type");
        if (w.Dims.Count != 2) return (null, $"weight has rank {w.Dims.Count} (2-D weights only)");
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        float[] Read() => Tensors.ToFloats(w);
        Func<Half[]>? stored = w.DataType == DataTypes.Float16 ? () => Tensors.ToHalves(w) : null;
        if (fuseBias && NodeKit.SoleConsumer(g, node.Output[0]) is { } add && NodeKit.Is(add, "Add")
            && NodeKit.OtherInput(add, node.Output[0]) is { } other && Constant(g, other) is { } b && b.DataType == w.DataType
            && Tensors.ElementCount(b) == n && b.Dims.Take(b.Dims.Count - 1).All(d => d == 1))
            return (new LinearLayer(node, node.Input[0], k, n, Tensors.ToFloats(b), add.Output[0], [node, add], w.DataType, Read, stored), null);
        return (new LinearLayer(node, node.Input[0], k, n, null, node.Output[0], [node], w.DataType, Read, stored), null);
    }

    static (LinearLayer?, string?) FromGemm(Graph g, NodeProto node)
    {
        if ((NodeKit.IntAttr(node, "transA") ?? 0) != 0) return (null, "transA is set");
        if (Constant(g, node.Input[1]) is not { } w || w.Dims.Count != 2) return (null, "B is not a constant 2-D float weight");
        if (!InputMatches(g, node.Input[0], w.DataType)) return (null, "input is not float of the weight's type");
        float alpha = NodeKit.FloatAttr(node, "alpha") ?? 1f, beta = NodeKit.FloatAttr(node, "beta") ?? 1f;
        bool transB = (NodeKit.IntAttr(node, "transB") ?? 0) != 0;
        int k = (int)(transB ? w.Dims[1] : w.Dims[0]), n = (int)(transB ? w.Dims[0] : w.Dims[1]);
        float[]? bias = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            if (Constant(g, node.Input[2]) is not { } c || Tensors.ElementCount(c) != n) return (null, "C is not a constant bias of N elements");
            bias = Tensors.ToFloats(c);
            for (int i = 0; i < n; i++) bias[i] *= beta;
        }
        float[] Read()
        {
            var raw = Tensors.ToFloats(w);
            var values = new float[raw.Length];
            for (int r = 0; r < k; r++)
                for (int col = 0; col < n; col++)
                    values[r * n + col] = alpha * (transB ? raw[col * k + r] : raw[r * n + col]);
            return values;
        }
        return (new LinearLayer(node, node.Input[0], k, n, bias, node.Output[0], [node], w.DataType, Read), null);
    }

    static TensorProto? Constant(Graph g, string name)
    {
        var t = g.Initializer(name);
        return t is not null && IsFloatType(t.DataType) && !g.IsGraphInput(name) ? t : null;
    }

    static bool IsFloatType(int type) => type is DataTypes.Float or DataTypes.Float16 or DataTypes.BFloat16;

    static bool InputMatches(Graph g, string tensor, int weightType)
    {
        var t = g.ValueInfo(tensor)?.Type?.TensorType;
        return t is null || t.ElemType == weightType;
    }
}
