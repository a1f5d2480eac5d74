using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// Gemm <c>Y = alpha·A·op(B) + beta·C</c> with constant B: B is transposed to [K, N] when
/// transB is set, alpha is folded into the weight and beta into the bias before quantizing.
/// </summary>
sealed class DynamicGemm : IDynamicOp
{
    public string OpType => "Gemm";

    public string? Rewrite(NodeProto node, DynamicContext c)
    {
        if ((NodeKit.IntAttr(node, "transA") ?? 0) != 0) return "transA is set";
        if (c.FloatConstant(node.Input[1]) is not { } weight || weight.Dims.Count != 2) return "B is not a constant 2-D weight";
        if (!c.IsFloat(node.Input[0])) return "input is not float";
        float alpha = NodeKit.FloatAttr(node, "alpha") ?? 1f, beta = NodeKit.FloatAttr(node, "beta") ?? 1f;
        bool transB = (NodeKit.IntAttr(node, "transB") ?? 0) != 0;
        long k = transB ? weight.Dims[1] : weight.Dims[0], n = transB ? weight.Dims[0] : weight.Dims[1];

        float[]? bias = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            if (c.FloatConstant(node.Input[2]) is not { } cTensor || Tensors.ElementCount(cTensor) != n) return "C is not a constant bias of N elements";
            bias = Tensors.ToFloats(cTensor);
            for (int i = 0; i < bias.Length; i++) bias[i] *= beta;
        }

        var raw = Tensors.ToFloats(weight);
        var w = new float[raw.Length];
        for (long r = 0; r < k; r++)
            for (long col = 0; col < n; col++)
                w[r * n + col] = alpha * (transB ? raw[col * k + r] : raw[r * n + col]);

        string name = node.Name.Length > 0 ? node.Name : node.Output[0];
        DynamicMatMulWriter.Write(c, name, node.Input[0], w, k, n, bias, node.Output[0]);
        NodeKit.RemoveReplaced(c.Graph, [node]);
        return null;
    }
}
