using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// A MatMul or Gemm seen as <c>Y = X·W (+ bias)</c> with a constant <c>W [K, N]</c> (Gemm's
/// transB, alpha and beta folded in). With <c>fuseBias</c>, a MatMul's following constant
/// bias Add joins the layer (<see cref="Replaced"/> then lists both nodes).
/// </summary>
sealed record LinearLayer(NodeProto Node, string Input, float[] W, int K, int N, float[]? Bias, string Output, NodeProto[] Replaced)
{
    public string Name => Node.Name.Length > 0 ? Node.Name : Node.Output[0];

    /// <summary>The layer, or the reason <paramref name="node"/> stays float.</summary>
    public static (LinearLayer? Layer, string? Reason) Find(Graph g, NodeProto node, bool fuseBias)
    {
        if (!IsFloat(g, node.Input[0])) return (null, "input is not float");
        return node.OpType switch
        {
            "MatMul" => FromMatMul(g, node, fuseBias),
            "Gemm" => FromGemm(g, node),
            _ => (null, "not a MatMul or Gemm"),
        };
    }

    static (LinearLayer?, string?) FromMatMul(Graph g, NodeProto node, bool fuseBias)
    {
        if (Constant(g, node.Input[1]) is not { } w) return (null, "right operand is computed, not a constant weight");
        if (w.Dims.Count != 2) return (null, $"weight has rank {w.Dims.Count} (2-D weights only)");
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        var values = Tensors.ToFloats(w);
        if (fuseBias && NodeKit.SoleConsumer(g, node.Output[0]) is { } add && NodeKit.Is(add, "Add")
            && NodeKit.OtherInput(add, node.Output[0]) is { } other && Constant(g, other) is { } b
            && Tensors.ElementCount(b) == n && b.Dims.Take(b.Dims.Count - 1).All(d => d == 1))
            return (new LinearLayer(node, node.Input[0], values, k, n, Tensors.ToFloats(b), add.Output[0], [node, add]), null);
        return (new LinearLayer(node, node.Input[0], values, k, n, null, node.Output[0], [node]), null);
    }

    static (LinearLayer?, string?) FromGemm(Graph g, NodeProto node)
    {
        if ((NodeKit.IntAttr(node, "transA") ?? 0) != 0) return (null, "transA is set");
        if (Constant(g, node.Input[1]) is not { } w || w.Dims.Count != 2) return (null, "B is not a constant 2-D weight");
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
        var raw = Tensors.ToFloats(w);
        var values = new float[raw.Length];
        for (int r = 0; r < k; r++)
            for (int col = 0; col < n; col++)
                values[r * n + col] = alpha * (transB ? raw[col * k + r] : raw[r * n + col]);
        return (new LinearLayer(node, node.Input[0], values, k, n, bias, node.Output[0], [node]), null);
    }

    static TensorProto? Constant(Graph g, string name)
    {
        var t = g.Initializer(name);
        return t is not null && t.DataType == DataTypes.Float && !g.IsGraphInput(name) ? t : null;
    }

    static bool IsFloat(Graph g, string tensor)
    {
        var t = g.ValueInfo(tensor)?.Type?.TensorType;
        return t is null || t.ElemType == DataTypes.Float;
    }
}
