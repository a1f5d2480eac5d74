using Quanta.IR;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>
/// Lowers a QDQ graph to integer operators: wherever an op reads only DequantizeLinear
/// outputs and its single reader is a QuantizeLinear, the DQ → op → Q group becomes one
/// integer op (QLinearConv, QLinearMatMul, com.microsoft QLinearAdd/QLinearMul/QGemm/…);
/// pass-through ops between equal parameters run directly on the integers. What cannot be
/// lowered stays in QDQ form, which ONNX Runtime still executes.
/// </summary>
internal static class QOperatorLowering
{
    const string Microsoft = "com.microsoft";

    public static int Apply(Model model)
    {
        var g = model.Graph;
        int lowered = 0;
        foreach (var node in g.TopologicalOrder())
        {
            if (node.Domain is not ("" or "ai.onnx")) continue;
            var q = SoleQuantizeReader(g, node.Output[0]);
            var dq = node.Input.Select(i => i.Length == 0 ? null : g.Producer(i) is { OpType: "DequantizeLinear" } p ? p : null).ToList();
            var replacement = Lower(node, dq, q);
            if (replacement is null) continue;
            if (replacement.Domain == Microsoft && model.Opset(Microsoft) == 0) model.SetOpset(Microsoft, 1);
            replacement.Name = TensorNames.IntegerNode(node.Name);
            int index = g.Nodes.IndexOf(node);
            g.Nodes[index] = replacement;
            if (q is not null) g.RemoveNode(q);
            g.Changed();
            lowered++;
        }
        g.RemoveUnused();
        g.SortTopologically();
        return lowered;
    }

    static NodeProto? SoleQuantizeReader(Graph g, string tensor)
    {
        if (g.IsGraphOutput(tensor)) return null;
        var readers = g.Consumers(tensor);
        return readers.Count == 1 && readers[0].OpType == "QuantizeLinear" ? readers[0] : null;
    }

    /// <summary>The integer op for a DQ → node → Q group, or null when the group does not match.</summary>
    static NodeProto? Lower(NodeProto node, List<NodeProto?> dq, NodeProto? q)
    {
        bool AllDq(int count) => dq.Count >= count && dq.Take(count).All(d => d is not null);
        string[] Triple(NodeProto d) => [d.Input[0], d.Input[1], d.Input.Count > 2 ? d.Input[2] : ""];
        string[] Out(NodeProto quantize) => [quantize.Input[1], quantize.Input.Count > 2 ? quantize.Input[2] : ""];

        if (q is null) return null;
        if (IntegerForms.ByFloatOp.TryGetValue(node.OpType, out var form))
        {
            int operands = form.OutputFirst ? node.Input.Count : form.Operands;
            bool hasBias = form.Bias >= 0 && node.Input.Count > 2;
            if (!AllDq(operands) || hasBias && (dq.Count <= 2 || dq[2] is null)) return null;
            var triples = dq.Take(operands).SelectMany(d => Triple(d!)).ToList();
            if (form.OutputFirst) return Make(form.IntegerOp, form.Domain, Out(q).Concat(triples), q.Output[0], form.Attributes!(node));
            var inputs = triples;
            if (form.Bias >= 0 && form.Bias < form.OutputScale) inputs.Add(hasBias ? dq[2]!.Input[0] : "");
            inputs.AddRange(Out(q));
            if (form.Bias > form.OutputScale && hasBias) inputs.Add(dq[2]!.Input[0]);
            return Make(form.IntegerOp, form.Domain, inputs, q.Output[0], form.Attributes!(node));
        }
        if (OpRegistry.RunsOnIntegers(node.Domain, node.OpType) && AllDq(1) && node.Output.Count == 1 && SameParams(dq[0]!, q))
        {
            var inputs = node.Input.ToList();
            inputs[0] = dq[0]!.Input[0];
            return Make(node.OpType, "", inputs, q.Output[0], node.Attribute);
        }
        return null;
    }

    static bool SameParams(NodeProto dq, NodeProto q) =>
        dq.Input.Count == q.Input.Count && dq.Input[1] == q.Input[1] && (dq.Input.Count < 3 || dq.Input[2] == q.Input[2]);

    static NodeProto Make(string op, string domain, IEnumerable<string> inputs, string output, IEnumerable<AttributeProto> attributes)
    {
        var n = new NodeProto { OpType = op, Domain = domain };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        n.Attribute.AddRange(attributes.Select(a => a.Clone()));
        return n;
    }
}
