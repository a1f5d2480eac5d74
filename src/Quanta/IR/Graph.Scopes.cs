using Quanta.Onnx.Proto;

namespace Quanta.IR;

/// <summary>
/// Subgraphs (the bodies of If, Loop and Scan) as graphs of their own: each body is a
/// <see cref="Graph"/> whose <see cref="Parent"/> is the graph holding its node, so type lookups
/// reach outer-scope tensors and fresh names avoid every scope. Planning, rewriting and passes
/// walk <see cref="Scopes"/> instead of knowing about control flow.
/// </summary>
public sealed partial class Graph
{
    readonly Dictionary<GraphProto, Graph> _bodies = new(ReferenceEqualityComparer.Instance);

    /// <summary>The graph whose node holds this body; null for the model's main graph.</summary>
    public Graph? Parent { get; }

    public Graph Root => Parent?.Root ?? this;

    Graph(GraphProto proto, Graph parent)
    {
        Proto = proto;
        Parent = parent;
    }

    /// <summary>The view of one body of a node of this graph (one view per body, so edits and indexes stay shared).</summary>
    public Graph Body(GraphProto body)
    {
        if (!_bodies.TryGetValue(body, out var g)) _bodies[body] = g = new Graph(body, this);
        return g;
    }

    /// <summary>The bodies of <paramref name="node"/> (If's two branches, a Loop's or Scan's body), as graphs.</summary>
    public IEnumerable<Graph> BodiesOf(NodeProto node) =>
        node.Attribute.SelectMany(SubgraphsOf).Select(Body).ToList();

    public static bool HasBodies(NodeProto node) => node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0);

    /// <summary>This graph and every body nested in it, each body after the graph that holds it.</summary>
    public IEnumerable<Graph> Scopes()
    {
        yield return this;
        foreach (var n in Proto.Node.ToList())
            foreach (var body in BodiesOf(n))
                foreach (var g in body.Scopes())
                    yield return g;
    }

    /// <summary>The scope (this graph or a nested body) where <paramref name="name"/> is an initializer, an input or a node output.</summary>
    public Graph? DefiningScope(string name) =>
        Scopes().FirstOrDefault(g => g.IsInitializer(name) || g.Producer(name) is not null || g.Proto.Input.Any(i => i.Name == name));

    /// <summary>The scope whose node list holds <paramref name="node"/>.</summary>
    public Graph? ScopeOf(NodeProto node) => Scopes().FirstOrDefault(g => g.Proto.Node.Contains(node));

    /// <summary>An initializer in any scope (names are unique across scopes).</summary>
    public TensorProto? FindInitializer(string name) => Scopes().Select(g => g.Initializer(name)).FirstOrDefault(t => t is not null);

    /// <summary>
    /// Points <paramref name="reader"/>'s reads of <paramref name="from"/> at <paramref name="to"/>, including
    /// reads inside its bodies (a body reads outer tensors by name; no body can redefine that name).
    /// </summary>
    public static void RenameReads(NodeProto reader, string from, string to)
    {
        for (int i = 0; i < reader.Input.Count; i++)
            if (reader.Input[i] == from) reader.Input[i] = to;
        foreach (var body in reader.Attribute.SelectMany(SubgraphsOf))
            foreach (var n in body.Node) RenameReads(n, from, to);
    }

    void InvalidateTree()
    {
        _index = null;
        foreach (var body in _bodies.Values) body.InvalidateTree();
    }

    static void AddNamesOf(GraphProto g, HashSet<string> names)
    {
        foreach (var v in g.Input.Concat(g.Output).Concat(g.ValueInfo)) names.Add(v.Name);
        foreach (var t in g.Initializer) names.Add(t.Name);
        foreach (var n in g.Node)
        {
            if (n.Name.Length > 0) names.Add(n.Name);
            foreach (var o in n.Output) if (o.Length > 0) names.Add(o);
            foreach (var a in n.Attribute) foreach (var sub in SubgraphsOf(a)) AddNamesOf(sub, names);
        }
    }
}
