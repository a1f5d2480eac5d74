using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization.WeightOnly;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// MatMul or Gemm with a constant float weight, read as the <see cref="LinearLayer"/> weight-only
/// quantization reads it (Gemm's transB, alpha and beta folded in; with the fused kernel, a MatMul's
/// following constant bias Add joins the layer), then written by <see cref="DynamicMatMulWriter"/>.
/// </summary>
sealed class DynamicLinear(string opType) : IDynamicOp
{
    public string OpType => opType;

    public string? Rewrite(NodeProto node, DynamicContext c)
    {
        var (layer, reason) = LinearLayer.Find(c.Graph, node, fuseBias: c.Kernel == DynamicKernel.Fused);
        if (layer is null) return reason;
        if (layer.ElementType != DataTypes.Float) return "weight is not float32";
        DynamicMatMulWriter.Write(c, layer.Name, layer.Input, layer.ReadWeight(), layer.K, layer.N, layer.Bias, layer.Output);
        NodeKit.RemoveReplaced(c.Graph, layer.Replaced);
        return null;
    }
}
