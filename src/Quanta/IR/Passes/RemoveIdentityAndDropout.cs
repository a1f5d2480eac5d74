using Quanta.Onnx.Proto;

namespace Quanta.IR.Passes;

/// <summary>
/// Removes Identity nodes and Dropout nodes that run in inference mode (they copy their input).
/// Graph output names stay stable: when an Identity writes a graph output, the tensor it copies
/// is renamed to the output's name instead, provided that tensor is an ordinary intermediate
/// (not an input, an initializer or another output); otherwise the node stays.
/// </summary>
internal sealed class RemoveIdentityAndDropout : IGraphPass
{
    public string Name => "RemoveIdentityAndDropout";

    public int Apply(Model model)
    {
        var graph = model.Graph;
        int removed = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (!node.IsStandard() || !IsCopy(graph, node)) continue;
            string from = node.Input[0], to = node.Output[0];
            if (from.Length == 0 || to.Length == 0) continue;
            // Names read from inside subgraphs are not rewired by ReplaceAllUses; leave those alone.
            if (graph.Consumers(to).Any(n => n.HasSubgraph()) || graph.Consumers(from).Any(n => n.HasSubgraph())) continue;

            if (!graph.IsGraphOutput(to))
            {
                graph.RemoveNode(node);
                graph.ReplaceAllUses(to, from);
                DropValueInfo(graph, to);
            }
            else
            {
                var producer = graph.Producer(from);
                if (producer is null || graph.IsGraphOutput(from) || graph.IsInitializer(from)) continue;
                graph.RemoveNode(node);
                for (int i = 0; i < producer.Output.Count; i++) if (producer.Output[i] == from) producer.Output[i] = to;
                foreach (var n in graph.Nodes)
                    for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == from) n.Input[i] = to;
                DropValueInfo(graph, from);
                graph.Changed();
            }
            removed++;
        }
        return removed;
    }

    static bool IsCopy(Graph graph, NodeProto node)
    {
        if (node.OpType == "Identity") return node.Input.Count == 1 && node.Output.Count == 1;
        if (node.OpType != "Dropout" || node.Input.Count == 0) return false;
        // The mask output, when read, is not a copy of anything.
        if (node.Output.Count > 1 && node.Output[1].Length > 0 && (graph.Consumers(node.Output[1]).Count > 0 || graph.IsGraphOutput(node.Output[1])))
            return false;
        if (node.GetInt("is_test", 1) == 0 && node.Attr("is_test") is not null) return false; // opset ≤ 6 training flag
        // Opset 12+: training_mode input; absent or a constant false means inference.
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var mode = graph.ConstantValue(node.Input[2]);
            if (mode is null || Onnx.Tensors.ToInt32s(mode) is not [0]) return false;
        }
        return true;
    }

    static void DropValueInfo(Graph graph, string name)
    {
        var info = graph.Proto.ValueInfo.FirstOrDefault(v => v.Name == name);
        if (info is not null) { graph.Proto.ValueInfo.Remove(info); graph.Changed(); }
    }
}
