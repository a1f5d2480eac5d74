using Quanta.Quantization;

namespace Quanta.Analysis;

/// <summary>
/// A unit that sensitivity analysis and tuning switch as a whole: a quantized node that adds its own
/// error (a weight or a freshly calibrated output) together with the Relu/Clip folded into it.
/// Pass-through nodes (MaxPool, Reshape…) reuse their input's parameters and are not layers.
/// </summary>
internal sealed record Layer(string Name, string OpType, string[] Nodes)
{
    public static List<Layer> Of(QuantPlan plan)
    {
        var fusedInto = new Dictionary<string, List<string>>();
        foreach (var a in plan.FusedActivations) (fusedInto.TryGetValue(a.Input[0], out var l) ? l : fusedInto[a.Input[0]] = []).Add(a.Name);
        var fused = plan.FusedActivations.Select(a => a.Name).ToHashSet();
        var layers = new List<Layer>();
        foreach (var node in plan.QuantizedNodes)
        {
            if (fused.Contains(node.Name) || node.Name.Length == 0) continue;
            bool weighted = node.Input.Any(i => plan.Tensors.TryGetValue(i, out var t) && t.Role == TensorRole.Weight);
            var outputs = node.Output.SelectMany(o => fusedInto.TryGetValue(o, out var acts) ? plan.FusedActivations.Where(a => acts.Contains(a.Name)).Select(a => a.Output[0]) : [o]);
            bool ownOutput = outputs.Any(o => plan.Tensors.TryGetValue(o, out var t) && t.Role == TensorRole.Activation && t.SameAs is null);
            if (!weighted && !ownOutput) continue;
            var nodes = new List<string> { node.Name };
            foreach (var o in node.Output)
                if (fusedInto.TryGetValue(o, out var acts)) nodes.AddRange(acts);
            layers.Add(new Layer(node.Name, node.OpType, nodes.ToArray()));
        }
        return layers;
    }
}
