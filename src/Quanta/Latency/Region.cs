using Quanta.Onnx.Proto;

namespace Quanta.Latency;

/// <summary>
/// A group of quantized nodes whose precision is decided together: connected through quantized
/// tensors, and cut into consecutive stages where a group is large. <see cref="Nodes"/> are in
/// topological order.
/// </summary>
public sealed record Region(string Name, IReadOnlyList<NodeProto> Nodes)
{
    /// <summary>Nodes that read a quantized weight (convolutions, matrix products): where the time goes.</summary>
    public int WeightedNodes { get; init; }

    public string First => IR.Graph.Describe(Nodes[0]);
    public string Last => IR.Graph.Describe(Nodes[^1]);

    /// <summary>Op types and counts, most frequent first ("Conv×6 MaxPool×2").</summary>
    public string OpTypes => string.Join(" ", Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Key}×{g.Count()}"));
}
