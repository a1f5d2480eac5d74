using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// A run of consecutive nodes of the main graph: what one block-by-block calibration step runs.
/// <see cref="Carried"/> are the activations it reads from earlier segments (fed from the previous
/// step's outputs), <see cref="Leaving"/> those it makes for later ones, <see cref="Crossing"/> all
/// the activations later segments need (those it makes and those it passes on), <see cref="Taps"/> the
/// inputs of its linear layers (whose Hessians the step collects).
/// </summary>
sealed record GraphSegment(IReadOnlyList<NodeProto> Nodes, IReadOnlyList<string> Carried, IReadOnlyList<string> GraphInputs,
    IReadOnlyList<string> Leaving, IReadOnlyList<string> Crossing, IReadOnlyList<LinearLayer> Layers)
{
    public IEnumerable<string> Taps => Layers.Select(l => l.Input).Distinct();
}

/// <summary>
/// Cuts the main graph where the fewest activations cross (in a decoder: the residual stream alone,
/// after each attention and each MLP), each segment holding at least one linear layer, so
/// calibration can run the model one block at a time. Graph inputs and initializers are fed to
/// every segment that reads them and never count as crossing. A cut is only made where every
/// crossing activation is float (what the segments hand on). Null when the graph cannot be cut:
/// control-flow nodes, layers inside bodies, or no such cut.
/// </summary>
static class GraphSegments
{
    public static List<GraphSegment>? Split(Model model, IReadOnlyList<LinearLayer> layers)
    {
        var g = model.Graph;
        if (g.Nodes.Any(Graph.HasBodies)) return null;
        var nodes = g.TopologicalOrder();
        var position = new Dictionary<NodeProto, int>();
        for (int i = 0; i < nodes.Count; i++) position[nodes[i]] = i;
        if (layers.Any(l => !position.ContainsKey(l.Node))) return null;
        var layerAt = layers.GroupBy(l => position[l.Node]).ToDictionary(x => x.Key, x => x.ToList());

        // Activations: produced by a node (not initializers, not graph inputs); last use by index.
        var producedAt = new Dictionary<string, int>();
        var lastUse = new Dictionary<string, int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (var o in nodes[i].Output) if (o.Length > 0) producedAt[o] = i;
            foreach (var input in nodes[i].Input) if (input.Length > 0) lastUse[input] = i;
        }
        foreach (var o in g.Outputs) lastUse[o.Name] = nodes.Count;
        var types = ShapeInference.Infer(model);

        // crossing[p]: activations made before node p and read at or after it (a sweep over the order).
        var crossing = new List<string>[nodes.Count + 1];
        var live = new HashSet<string>();
        crossing[0] = [];
        for (int p = 1; p <= nodes.Count; p++)
        {
            foreach (var o in nodes[p - 1].Output) if (o.Length > 0 && lastUse.GetValueOrDefault(o, -1) >= p) live.Add(o);
            live.RemoveWhere(t => lastUse[t] < p);
            crossing[p] = [.. live];
        }
        bool Valid(int p) => crossing[p].Count > 0 && crossing[p].All(t => types.TryGetValue(t, out var info) && info.ElemType == DataTypes.Float);
        var valid = Enumerable.Range(1, Math.Max(0, nodes.Count - 1)).Where(Valid).ToList();
        if (valid.Count == 0) return null;
        int fewest = valid.Min(p => crossing[p].Count);

        var cuts = new List<int> { 0 };
        bool hasLayer = false;
        for (int p = 1; p < nodes.Count; p++)
        {
            if (layerAt.ContainsKey(p - 1)) hasLayer = true;
            if (hasLayer && crossing[p].Count == fewest && Valid(p)) { cuts.Add(p); hasLayer = false; }
        }
        // A tail without layers joins the segment before it.
        if (!hasLayer && cuts.Count > 1 && !Enumerable.Range(cuts[^1], nodes.Count - cuts[^1]).Any(layerAt.ContainsKey)) cuts.RemoveAt(cuts.Count - 1);
        cuts.Add(nodes.Count);
        if (cuts.Count < 3) return null;

        var graphInputs = g.RealInputs.Select(i => i.Name).ToHashSet();
        var segments = new List<GraphSegment>();
        for (int s = 0; s + 1 < cuts.Count; s++)
        {
            int start = cuts[s], end = cuts[s + 1];
            var part = nodes.GetRange(start, end - start);
            var reads = part.SelectMany(n => n.Input).Where(t => t.Length > 0).Distinct().ToList();
            segments.Add(new GraphSegment(part,
                reads.Where(t => producedAt.TryGetValue(t, out int at) && at < start).ToList(),
                reads.Where(graphInputs.Contains).ToList(),
                part.SelectMany(n => n.Output).Where(t => t.Length > 0 && lastUse.GetValueOrDefault(t, -1) >= end && end < nodes.Count).Distinct().ToList(),
                end < nodes.Count ? crossing[end] : [],
                Enumerable.Range(start, end - start).Where(layerAt.ContainsKey).SelectMany(i => layerAt[i]).ToList()));
        }
        return segments;
    }

    /// <summary>The segment as a model of its own: carried activations and the graph inputs it reads in, what leaves and its taps out.</summary>
    public static Model ToModel(Model model, GraphSegment segment)
    {
        var g = model.Graph;
        var graph = new GraphProto { Name = $"{g.Proto.Name}-segment" };
        graph.Node.AddRange(segment.Nodes);
        var needed = segment.Nodes.SelectMany(n => n.Input).ToHashSet();
        // The same initializer messages, not copies: weights on disk stay on disk, in-memory ones are not duplicated.
        graph.Initializer.AddRange(g.Initializers.Where(t => needed.Contains(t.Name)));
        foreach (var name in segment.GraphInputs) graph.Input.Add(g.Inputs.First(i => i.Name == name));
        foreach (var name in segment.Carried) graph.Input.Add(FloatValue(name));
        var produced = segment.Nodes.SelectMany(n => n.Output).ToHashSet();
        foreach (var name in segment.Leaving.Concat(segment.Taps.Where(produced.Contains)).Distinct()) graph.Output.Add(FloatValue(name));
        var proto = new ModelProto { IrVersion = model.Proto.IrVersion, Graph = graph };
        proto.OpsetImport.AddRange(model.Proto.OpsetImport);
        return new Model(proto, model.Source);
    }

    static ValueInfoProto FloatValue(string name) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Float } },
    };
}
