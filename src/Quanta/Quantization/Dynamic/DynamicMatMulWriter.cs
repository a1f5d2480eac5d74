using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// Writes <c>Y = A · W (+ bias)</c> for a constant <c>W [K, N]</c> with W quantized now and A at
/// run time, in the form the context asks for. Shared by MatMul and Gemm (and its integer tail by Conv).
/// </summary>
static class DynamicMatMulWriter
{
    public static void Write(DynamicContext c, string name, string a, float[] w, long k, long n, float[]? bias, string output)
    {
        var q = DynamicWeight.Quantize(w, [k, n], c.PerChannel ? 1 : null, c.WeightSpec);
        var (wq, ws, wz) = AddWeight(c, name, q);
        string? b = bias is null ? null : c.AddInitializer(name + "_bias", Tensors.FromFloats("", [n], bias));

        if (c.Kernel == DynamicKernel.Fused)
        {
            // DynamicQuantizeMatMul quantizes A to uint8 itself and accepts a per-column b_scale and a bias.
            var inputs = new List<string> { a, wq, ws, wz };
            if (b is not null) inputs.Add(b);
            c.AddNode("DynamicQuantizeMatMul", name + "_dynamic", inputs, [output], DynamicContext.MsDomain);
            return;
        }

        WriteInteger(c, name, "MatMulInteger", a, (wq, ws, wz), b, output, []);
    }

    /// <summary>
    /// <c>DynamicQuantizeLinear(a) → opType (MatMulInteger or ConvInteger) → Cast → Mul(a_scale·w_scale) (→ Add bias)</c>:
    /// the standard-kernel tail that MatMul, Gemm and Conv share.
    /// </summary>
    public static NodeProto WriteInteger(DynamicContext c, string name, string opType, string a, (string Data, string Scale, string ZeroPoint) w,
        string? bias, string output, IEnumerable<AttributeProto> attributes)
    {
        string aq = c.Fresh(TensorNames.Quantized(a)), aScale = c.Fresh(TensorNames.Scale(a)), aZp = c.Fresh(TensorNames.ZeroPoint(a));
        c.AddNode("DynamicQuantizeLinear", name + "_quantize_input", [a], [aq, aScale, aZp]);
        string yi = c.Fresh(name + "_int32");
        var integer = c.AddNode(opType, name + "_integer", [aq, w.Data, aZp, w.ZeroPoint], [yi]);
        integer.Attribute.AddRange(attributes.Select(x => x.Clone()));
        string yf = c.Fresh(name + "_int32_float");
        c.AddNode("Cast", name + "_cast", [yi], [yf], "", NodeKit.Int("to", DataTypes.Float));
        string scale = c.Fresh(name + "_output_scale");
        c.AddNode("Mul", name + "_scale_product", [aScale, w.Scale], [scale]);
        if (bias is null)
        {
            c.AddNode("Mul", name + "_rescale", [yf, scale], [output]);
            return integer;
        }
        string scaled = c.Fresh(name + "_rescaled");
        c.AddNode("Mul", name + "_rescale", [yf, scale], [scaled]);
        c.AddNode("Add", name + "_bias_add", [scaled, bias], [output]);
        return integer;
    }

    /// <summary>Stores a quantized weight as three initializers named after <paramref name="name"/>'s weight.</summary>
    public static (string Data, string Scale, string ZeroPoint) AddWeight(DynamicContext c, string name, DynamicWeight q)
    {
        string weight = name + "_W";
        return (c.AddInitializer(TensorNames.Quantized(weight), q.DataTensor("")),
            c.AddInitializer(TensorNames.Scale(weight), q.ScaleTensor("")),
            c.AddInitializer(TensorNames.ZeroPoint(weight), q.ZeroPointTensor("")));
    }
}
