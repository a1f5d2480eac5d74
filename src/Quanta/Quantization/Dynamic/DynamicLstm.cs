using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// LSTM with constant W and R as ONNX Runtime's <c>com.microsoft.DynamicQuantizeLSTM</c>: the gate
/// matrices stored as 8-bit integers, transposed to the kernel's <c>[directions, input, 4·hidden]</c>
/// layout, with a scale per gate row (per channel) or per direction; the input and hidden state are
/// quantized at run time inside the kernel. Bias, peepholes and states stay float.
/// </summary>
sealed class DynamicLstm : IDynamicOp
{
    public string OpType => "LSTM";

    public string? Rewrite(NodeProto node, DynamicContext c)
    {
        if (!c.IsFloat(node.Input[0])) return "input is not float";
        if (c.FloatConstant(node.Input[1]) is not { Dims.Count: 3 } w) return "W is not a constant 3-D weight";
        if (c.FloatConstant(node.Input[2]) is not { Dims.Count: 3 } r) return "R is not a constant 3-D weight";
        if (node.Attribute.FirstOrDefault(a => a.Name == "layout") is { I: not 0 }) return "layout 1 (batch first) has no quantized kernel";
        string name = node.Name.Length > 0 ? node.Name : node.Output[0];

        var (wq, ws, wz) = Quantize(c, name + "_W", w);
        var (rq, rs, rz) = Quantize(c, name + "_R", r);
        var inputs = new string[12];
        Array.Fill(inputs, "");
        inputs[0] = node.Input[0];
        inputs[1] = wq;
        inputs[2] = rq;
        for (int i = 3; i < 8 && i < node.Input.Count; i++) inputs[i] = node.Input[i];
        (inputs[8], inputs[9], inputs[10], inputs[11]) = (ws, wz, rs, rz);
        var lstm = c.AddNode("DynamicQuantizeLSTM", name + "_quant", inputs, node.Output.ToArray(), DynamicContext.MsDomain);
        lstm.Attribute.AddRange(node.Attribute.Select(a => a.Clone()));
        IR.Normalize.NodeKit.RemoveReplaced(c.Graph, [node]);
        return null;
    }

    /// <summary>Quantizes a <c>[D, 4H, K]</c> gate weight and stores it as <c>[D, K, 4H]</c>; returns data, scale and zero point names.</summary>
    static (string Data, string Scale, string ZeroPoint) Quantize(DynamicContext c, string hint, TensorProto weight)
    {
        long d = weight.Dims[0], rows = weight.Dims[1], k = weight.Dims[2];
        var values = Tensors.ToFloats(weight);
        // Per channel: one scale per gate row of each direction. Per tensor: one per direction, as the kernel takes no less.
        var q = c.PerChannel
            ? DynamicWeight.Quantize(values, [d * rows, k], 0, c.WeightSpec)
            : DynamicWeight.Quantize(values, [d, rows * k], 0, c.WeightSpec);
        var transposed = new byte[q.Data.Length];
        for (long dir = 0; dir < d; dir++)
            for (long row = 0; row < rows; row++)
                for (long col = 0; col < k; col++)
                    transposed[(dir * k + col) * rows + row] = q.Data[(dir * rows + row) * k + col];
        long[] paramDims = c.PerChannel ? [d, rows] : [d];
        string data = c.AddInitializer(TensorNames.Quantized(hint), Tensors.FromRaw("", q.Type.OnnxDataType(), [d, k, rows], transposed));
        string scale = c.AddInitializer(TensorNames.Scale(hint), Tensors.FromFloats("", paramDims, q.Scales));
        string zeroPoint = c.AddInitializer(TensorNames.ZeroPoint(hint),
            Tensors.FromRaw("", q.Type.OnnxDataType(), paramDims, QuantMath.ToBytes(q.ZeroPoints, q.Type)));
        return (data, scale, zeroPoint);
    }
}
