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
public static class QOperatorLowering
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

        switch (node.OpType)
        {
            case "Conv" when q is not null && AllDq(2) && (node.Input.Count < 3 || dq.Count > 2 && dq[2] is not null):
            {
                var inputs = Triple(dq[0]!).Concat(Triple(dq[1]!)).Concat(Out(q)).ToList();
                if (node.Input.Count > 2) inputs.Add(dq[2]!.Input[0]);
                return Make("QLinearConv", "", inputs, q.Output[0], node.Attribute);
            }
            case "MatMul" when q is not null && AllDq(2):
                return Make("QLinearMatMul", "", Triple(dq[0]!).Concat(Triple(dq[1]!)).Concat(Out(q)), q.Output[0], []);
            case "Add" or "Mul" when q is not null && AllDq(2):
                return Make("QLinear" + node.OpType, Microsoft, Triple(dq[0]!).Concat(Triple(dq[1]!)).Concat(Out(q)), q.Output[0], []);
            case "Gemm" when q is not null && AllDq(2) && (node.Input.Count < 3 || dq.Count > 2 && dq[2] is not null):
            {
                var inputs = Triple(dq[0]!).Concat(Triple(dq[1]!)).ToList();
                inputs.Add(node.Input.Count > 2 ? dq[2]!.Input[0] : "");
                inputs.AddRange(Out(q));
                return Make("QGemm", Microsoft, inputs, q.Output[0], node.Attribute.Where(a => a.Name != "beta"));
            }
            case "GlobalAveragePool" when q is not null && AllDq(1):
                return Make("QLinearGlobalAveragePool", Microsoft, Triple(dq[0]!).Concat(Out(q)), q.Output[0],
                    [new AttributeProto { Name = "channels_last", Type = AttributeProto.Types.AttributeType.Int, I = 0 }]);
            case "AveragePool" when q is not null && AllDq(1):
                return Make("QLinearAveragePool", Microsoft, Triple(dq[0]!).Concat(Out(q)), q.Output[0], node.Attribute);
            case "Sigmoid" when q is not null && AllDq(1):
                return Make("QLinearSigmoid", Microsoft, Triple(dq[0]!).Concat(Out(q)), q.Output[0], []);
            case "Concat" when q is not null && AllDq(node.Input.Count):
                return Make("QLinearConcat", Microsoft, Out(q).Concat(dq.SelectMany(d => Triple(d!))), q.Output[0], node.Attribute);
            case var op when OpRegistry.RunsOnIntegers(node.Domain, op) && q is not null && AllDq(1) && node.Output.Count == 1 && SameParams(dq[0]!, q):
            {
                var inputs = node.Input.ToList();
                inputs[0] = dq[0]!.Input[0];
                return Make(node.OpType, "", inputs, q.Output[0], node.Attribute);
            }
            default:
                return null;
        }
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
