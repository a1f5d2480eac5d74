using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// Writes <c>Y = A · W (+ bias)</c> for a constant <c>W [K, N]</c> with W quantized now and A at
/// run time, in the form the context asks for. Shared by MatMul and Gemm.
/// </summary>
static class DynamicMatMulWriter
{
    public static void Write(DynamicContext c, string name, string a, float[] w, long k, long n, float[]? bias, string output)
    {
        var q = DynamicWeight.Quantize(w, [k, n], c.PerChannel ? 1 : null, c.WeightSpec);
        string wq = c.AddInitializer(name + "_W_quantized", q.DataTensor(""));
        string ws = c.AddInitializer(name + "_W_scale", q.ScaleTensor(""));
        string wz = c.AddInitializer(name + "_W_zero_point", q.ZeroPointTensor(""));
        string? b = bias is null ? null : c.AddInitializer(name + "_bias", Tensors.FromFloats("", [n], bias));

        if (c.Kernel == DynamicKernel.Fused)
        {
            // DynamicQuantizeMatMul quantizes A to uint8 itself and accepts a per-column b_scale and a bias.
            var inputs = new List<string> { a, wq, ws, wz };
            if (b is not null) inputs.Add(b);
            c.AddNode("DynamicQuantizeMatMul", name + "_dynamic", inputs, [output], DynamicContext.MsDomain);
            return;
        }

        string aq = c.Fresh(a + "_quantized"), aScale = c.Fresh(a + "_scale"), aZp = c.Fresh(a + "_zero_point");
        c.AddNode("DynamicQuantizeLinear", name + "_quantize_input", [a], [aq, aScale, aZp]);
        string yi = c.Fresh(name + "_int32");
        c.AddNode("MatMulInteger", name + "_integer", [aq, wq, aZp, wz], [yi]);
        string yf = c.Fresh(name + "_int32_float");
        c.AddNode("Cast", name + "_cast", [yi], [yf], "", NodeKit.Int("to", DataTypes.Float));
        string scale = c.Fresh(name + "_output_scale");
        c.AddNode("Mul", name + "_scale_product", [aScale, ws], [scale]);
        if (b is null)
        {
            c.AddNode("Mul", name + "_rescale", [yf, scale], [output]);
            return;
        }
        string scaled = c.Fresh(name + "_rescaled");
        c.AddNode("Mul", name + "_rescale", [yf, scale], [scaled]);
        c.AddNode("Add", name + "_bias_add", [scaled, b], [output]);
    }

    /// <summary>
    /// The bias of an <c>Add</c> that alone reads <paramref name="product"/> and adds a constant of
    /// N elements (how exporters write Linear layers as MatMul + Add), so it can be fused.
    /// </summary>
    public static (NodeProto Add, float[] Bias)? FollowingBias(DynamicContext c, string product, long n)
    {
        var add = NodeKit.SoleConsumer(c.Graph, product);
        if (!NodeKit.Is(add, "Add")) return null;
        string? other = NodeKit.OtherInput(add!, product);
        if (other is null || c.FloatConstant(other) is not { } t) return null;
        if (Tensors.ElementCount(t) != n || t.Dims.Take(t.Dims.Count - 1).Any(d => d != 1)) return null;
        return (add!, Tensors.ToFloats(t));
    }
}
