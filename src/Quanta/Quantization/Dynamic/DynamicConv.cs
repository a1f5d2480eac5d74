using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// Conv with constant weights as <c>DynamicQuantizeLinear → ConvInteger → Cast → Mul(x_scale·w_scale) → Add(bias)</c>.
/// ONNX Runtime's CPU ConvInteger takes uint8 weights with one zero point for the tensor, so
/// Conv weights are uint8 per-tensor here whatever the MatMul settings (asymmetric: it is free).
/// </summary>
sealed class DynamicConv : IDynamicOp
{
    public string OpType => "Conv";

    public string? Rewrite(NodeProto node, DynamicContext c)
    {
        if (c.FloatConstant(node.Input[1]) is not { } weight) return "weight is computed, not a constant";
        if (!c.IsFloat(node.Input[0])) return "input is not float";
        long channels = weight.Dims[0];
        float[]? bias = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            if (c.FloatConstant(node.Input[2]) is not { } b) return "bias is computed, not a constant";
            bias = Tensors.ToFloats(b);
        }
        string name = node.Name.Length > 0 ? node.Name : node.Output[0];
        var shape = weight.Dims.ToArray();
        var q = DynamicWeight.Quantize(Tensors.ToFloats(weight), shape, null, new Numerics.QuantSpec(Numerics.QuantType.UInt8));
        var w = DynamicMatMulWriter.AddWeight(c, name, q);
        string? biasName = null;
        if (bias is not null)
        {
            // Bias broadcast over [N, M, spatial…]: shape [1, M, 1, …].
            var biasShape = new long[Math.Max(2, shape.Length)];
            Array.Fill(biasShape, 1);
            biasShape[1] = channels;
            biasName = c.AddInitializer(name + "_bias", Tensors.FromFloats("", biasShape, bias));
        }
        DynamicMatMulWriter.WriteInteger(c, name, "ConvInteger", node.Input[0], w, biasName, node.Output[0], node.Attribute);
        NodeKit.RemoveReplaced(c.Graph, [node]);
        return null;
    }
}
