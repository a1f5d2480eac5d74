using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>MatMul with a constant 2-D right operand; a following constant bias Add is fused into the fused kernel.</summary>
sealed class DynamicMatMul : IDynamicOp
{
    public string OpType => "MatMul";

    public string? Rewrite(NodeProto node, DynamicContext c)
    {
        if (c.FloatConstant(node.Input[1]) is not { } weight) return "right operand is computed, not a constant weight";
        if (weight.Dims.Count != 2) return $"weight has rank {weight.Dims.Count} (2-D weights only)";
        if (!c.IsFloat(node.Input[0])) return "input is not float";
        long k = weight.Dims[0], n = weight.Dims[1];
        var values = Tensors.ToFloats(weight);
        string name = node.Name.Length > 0 ? node.Name : node.Output[0];

        var fused = c.Kernel == DynamicKernel.Fused ? DynamicMatMulWriter.FollowingBias(c, node.Output[0], n) : null;
        string output = fused is { } f ? f.Add.Output[0] : node.Output[0];
        var replaced = fused is { } g ? new[] { node, g.Add } : [node];
        DynamicMatMulWriter.Write(c, name, node.Input[0], values, k, n, fused?.Bias, output);
        NodeKit.RemoveReplaced(c.Graph, replaced);
        return null;
    }
}
