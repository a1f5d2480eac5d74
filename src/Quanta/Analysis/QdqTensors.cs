using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;

namespace Quanta.Analysis;

/// <summary>
/// Reads a QDQ model back: every DequantizeLinear whose input follows Quanta's naming
/// (<see cref="TensorNames"/>) is one quantized tensor, an activation when a QuantizeLinear
/// produces its input and a weight or bias when the input is a stored integer initializer.
/// </summary>
public static class QdqTensors
{
    public static List<QuantizedTensor> Find(Model quantized)
    {
        var g = quantized.Graph;
        var found = new List<QuantizedTensor>();
        foreach (var dq in g.Nodes)
        {
            if (dq.OpType != "DequantizeLinear" || dq.Input.Count < 2) continue;
            string q = dq.Input[0];
            if (TensorNames.OfQuantized(q) is not { } name) continue;
            string dequantized = dq.Output[0];
            if (dequantized != TensorNames.Dequantized(name)) continue;

            var stored = g.Initializer(q);
            QuantizedKind kind;
            NodeProto? owner;
            if (stored is null)
            {
                if (g.Producer(q)?.OpType != "QuantizeLinear") continue;
                kind = QuantizedKind.Activation;
                owner = g.Producer(name);
            }
            else
            {
                kind = stored.DataType == DataTypes.Int32 ? QuantizedKind.Bias : QuantizedKind.Weight;
                owner = g.Consumers(dequantized) is { Count: > 0 } readers ? readers[0] : null;
            }
            var p = Params(g, dq, stored?.DataType ?? ZeroPointType(g, dq));
            if (p is null) continue;
            found.Add(new QuantizedTensor(name, kind, dequantized, owner is null ? "(input)" : Graph.Describe(owner), owner?.OpType ?? "", p));
        }
        return found;
    }

    /// <summary>The stored integers of a weight or bias, dequantized as DequantizeLinear would.</summary>
    public static float[] Dequantize(Model quantized, QuantizedTensor t)
    {
        var stored = quantized.Graph.Initializer(TensorNames.Quantized(t.Name))
            ?? throw new ArgumentException($"'{t.Name}' is not stored quantized");
        int count = (int)Tensors.ElementCount(stored);
        var q = stored.RawData.Length > 0 ? QuantMath.FromBytes(stored.RawData.Span, t.Params.Type, count) : Tensors.ToInt32s(stored);
        var y = new float[count];
        QuantMath.Dequantize(q, t.Params, stored.Dims.ToArray(), y);
        return y;
    }

    static int ZeroPointType(Graph g, NodeProto dq) =>
        dq.Input.Count > 2 && g.Initializer(dq.Input[2]) is { } zp ? zp.DataType : DataTypes.UInt8;

    static QuantParams? Params(Graph g, NodeProto dq, int dataType)
    {
        if (g.Initializer(dq.Input[1]) is not { } scaleTensor) return null;
        var type = Enum.GetValues<QuantType>().FirstOrDefault(t => t.OnnxDataType() == dataType, QuantType.Int32);
        var scale = Tensors.ToFloats(scaleTensor);
        int[] zeroPoint = new int[scale.Length];
        if (dq.Input.Count > 2 && g.Initializer(dq.Input[2]) is { } zp)
            zeroPoint = zp.RawData.Length > 0 ? QuantMath.FromBytes(zp.RawData.Span, type, scale.Length) : Tensors.ToInt32s(zp);
        int? axis = null;
        int block = 0;
        if (scaleTensor.Dims.Count > 0)
        {
            // DequantizeLinear's axis defaults to 1 when the scale is a vector.
            axis = (int)(dq.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 1);
            block = (int)(dq.Attribute.FirstOrDefault(a => a.Name == "block_size")?.I ?? 0);
        }
        return new QuantParams(scale, zeroPoint, type, type.Min(), type.Max(), axis, block);
    }
}
