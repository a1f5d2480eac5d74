using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>
/// The inverse of <see cref="QOperatorLowering"/>: every integer op (QLinearConv, QLinearMatMul,
/// com.microsoft QLinearAdd/QGemm/…) becomes the DequantizeLinear → float op → QuantizeLinear
/// group that the operator is defined to compute, with Quanta's tensor names. The result is
/// the same model in QDQ form, so per-tensor analysis reads QOperator models like QDQ ones.
/// </summary>
internal static class QOperatorRaising
{
    /// <summary>True when the model holds any integer op this class raises.</summary>
    public static bool Applies(Model model) => model.Graph.Nodes.Any(n => IntegerForms.ByIntegerOp.ContainsKey(n.OpType));

    /// <summary>A QDQ copy of <paramref name="model"/>; the model itself is not changed.</summary>
    public static Model Apply(Model model)
    {
        var raised = model.Clone();
        var g = raised.Graph;
        foreach (var node in g.Nodes.ToList())
        {
            var group = IntegerForms.ByIntegerOp.TryGetValue(node.OpType, out var form) ? RaiseIntegerOp(g, node, form)
                : OpRegistry.RunsOnIntegers(node.Domain, node.OpType) ? RaisePassThrough(g, node)
                : null;
            if (group is null) continue;
            int index = g.Nodes.IndexOf(node);
            g.Nodes.RemoveAt(index);
            for (int i = group.Count - 1; i >= 0; i--) g.Nodes.Insert(index, group[i]);
            g.Changed();
        }
        g.SortTopologically();
        return raised;
    }

    static List<NodeProto> RaiseIntegerOp(Graph g, NodeProto node, IntegerForm form)
    {
        var group = new List<NodeProto>();
        var floatNode = new NodeProto { OpType = form.FloatOp, Name = TensorNames.FloatNode(node.Name) };
        floatNode.Attribute.AddRange(node.Attribute.Where(a => a.Name is not "channels_last").Select(a => a.Clone()));
        int[] inputs = form.OperandPositions(node.Input.Count);
        for (int k = 0; k < inputs.Length; k++)
            floatNode.Input.Add(Dequantized(g, node.Input[inputs[k]], node.Input[inputs[k] + 1], Optional(node, inputs[k] + 2), WeightAxis(g, node, form, k), group));
        if (form.Bias >= 0 && Optional(node, form.Bias) is { Length: > 0 } bias)
            floatNode.Input.Add(DequantizedBias(g, node, bias, group));
        group.Add(floatNode);
        if (Optional(node, form.OutputScale) is { Length: > 0 } scale)
            Quantize(floatNode, node.Output[0], scale, Optional(node, form.OutputScale + 1), group);
        else
            floatNode.Output.Add(node.Output[0]); // QGemm without output parameters writes float
        return group;
    }

    /// <summary>
    /// DQ → op → Q with the input's parameters on both sides. Nodes are raised in graph order, so the
    /// input's producer is already a QuantizeLinear that names those parameters.
    /// </summary>
    static List<NodeProto>? RaisePassThrough(Graph g, NodeProto node)
    {
        string input = node.Input[0];
        if (BaseName(input) == input || node.Output.Count != 1 || g.Producer(input) is not { OpType: "QuantizeLinear" } producer) return null;
        string scale = producer.Input[1], zeroPoint = Optional(producer, 2);
        var group = new List<NodeProto>();
        var floatNode = node.Clone();
        floatNode.Input[0] = Dequantized(g, input, scale, zeroPoint, null, group);
        floatNode.Output.Clear();
        group.Add(floatNode);
        Quantize(floatNode, node.Output[0], scale, zeroPoint, group);
        return group;
    }

    /// <summary>Makes <paramref name="floatNode"/> write the real tensor and a QuantizeLinear write <paramref name="quantized"/> from it.</summary>
    static void Quantize(NodeProto floatNode, string quantized, string scale, string zeroPoint, List<NodeProto> group)
    {
        string real = BaseName(quantized);
        floatNode.Output.Add(real);
        var q = new NodeProto { OpType = "QuantizeLinear", Name = TensorNames.QuantizeNode(real) };
        q.Input.AddRange(zeroPoint.Length > 0 ? [real, scale, zeroPoint] : [real, scale]);
        q.Output.Add(quantized);
        group.Add(q);
    }

    static string Optional(NodeProto node, int index) => index < node.Input.Count ? node.Input[index] : "";

    static string BaseName(string quantized) => TensorNames.OfQuantized(quantized) ?? quantized;

    /// <summary>The dequantized <paramref name="tensor"/>, reusing a DequantizeLinear that already makes it.</summary>
    static string Dequantized(Graph g, string tensor, string scale, string zeroPoint, int? axis, List<NodeProto> group)
    {
        string name = TensorNames.Dequantized(BaseName(tensor));
        if (g.Producer(name) is not null || group.Any(n => n.Output[0] == name)) return name;
        var dq = new NodeProto { OpType = "DequantizeLinear", Name = TensorNames.DequantizeNode(BaseName(tensor)) };
        dq.Input.AddRange(zeroPoint.Length > 0 ? [tensor, scale, zeroPoint] : [tensor, scale]);
        if (axis is { } a) dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        dq.Output.Add(name);
        group.Add(dq);
        return name;
    }

    /// <summary>Per-channel weight scales need DequantizeLinear's axis: output channels of a Conv, columns of a MatMul/Gemm.</summary>
    static int? WeightAxis(Graph g, NodeProto node, IntegerForm form, int operand)
    {
        if (operand != 1 || form.WeightAxis is null) return null;
        if (g.Initializer(node.Input[4]) is not { } scale || Tensors.ElementCount(scale) <= 1) return null;
        return form.WeightAxis(node);
    }

    /// <summary>An int32 bias is dequantized with scale = input scale × weight scale (per output channel) and zero point 0.</summary>
    static string DequantizedBias(Graph g, NodeProto node, string bias, List<NodeProto> group)
    {
        string scaleName = TensorNames.Scale(BaseName(bias));
        float inputScale = Tensors.ToFloats(g.Initializer(node.Input[1]) ?? throw Unreadable(node))[0];
        var scale = Tensors.ToFloats(g.Initializer(node.Input[4]) ?? throw Unreadable(node)).Select(s => inputScale * s).ToArray();
        if (!g.IsInitializer(scaleName))
            g.AddInitializer(Tensors.FromFloats(scaleName, scale.Length == 1 ? [] : [scale.Length], scale));
        return Dequantized(g, bias, scaleName, "", scale.Length > 1 ? 0 : null, group);
    }

    static QuantaException Unreadable(NodeProto node) =>
        QuantaException.BadInput($"{Graph.Describe(node)}: its scales are not stored in the model, so it cannot be read back as QDQ");
}
