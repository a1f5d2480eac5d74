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
        string wq = c.AddInitializer(name + "_W_quantized", q.DataTensor(""));
        string ws = c.AddInitializer(name + "_W_scale", q.ScaleTensor(""));
        string wz = c.AddInitializer(name + "_W_zero_point", q.ZeroPointTensor(""));

        string x = node.Input[0];
        string xq = c.Fresh(x + "_quantized"), xScale = c.Fresh(x + "_scale"), xZp = c.Fresh(x + "_zero_point");
        c.AddNode("DynamicQuantizeLinear", name + "_quantize_input", [x], [xq, xScale, xZp]);
        string yi = c.Fresh(name + "_int32");
        var conv = c.AddNode("ConvInteger", name + "_integer", [xq, wq, xZp, wz], [yi]);
        conv.Attribute.AddRange(node.Attribute.Select(a => a.Clone()));
        string yf = c.Fresh(name + "_int32_float");
        c.AddNode("Cast", name + "_cast", [yi], [yf], "", NodeKit.Int("to", DataTypes.Float));
        string scale = c.Fresh(name + "_output_scale");
        c.AddNode("Mul", name + "_scale_product", [xScale, ws], [scale]);
        if (bias is null)
            c.AddNode("Mul", name + "_rescale", [yf, scale], [node.Output[0]]);
        else
        {
            int spatial = Math.Max(0, shape.Length - 2);
            var biasShape = new long[2 + spatial];
            Array.Fill(biasShape, 1);
            biasShape[1] = channels;
            string b = c.AddInitializer(name + "_bias", Tensors.FromFloats("", biasShape, bias));
            string scaled = c.Fresh(name + "_rescaled");
            c.AddNode("Mul", name + "_rescale", [yf, scale], [scaled]);
            c.AddNode("Add", name + "_bias_add", [scaled, b], [node.Output[0]]);
        }
        NodeKit.RemoveReplaced(c.Graph, [node]);
        return null;
    }
}
