using Quanta.Onnx.Proto;

namespace Quanta.IR.Passes;

/// <summary>
/// Makes each If/Loop/Scan body hold the constants it computes with, so the same planning and
/// rewriting that treats the main graph's weights treats a body's: Constant nodes in a body become
/// body initializers, and an outer initializer a body reads by name is copied into that body
/// (under a fresh name, as names are unique across scopes). The outer copy goes when nothing else
/// reads it. A weight that both branches of an If share is then stored once per branch — the price
/// of each body quantizing its own weights.
/// </summary>
internal sealed class ResolveSubgraphs : IGraphPass
{
    public string Name => "ResolveSubgraphs";

    public int Apply(Model model)
    {
        int rewrites = 0;
        var moved = new HashSet<string>();
        foreach (var body in model.Graph.Scopes().Skip(1).ToList())
        {
            rewrites += LiftConstants(body);
            rewrites += LocalizeOuterInitializers(body, moved);
        }
        foreach (var name in moved)
            if (model.Graph.DefiningScope(name) is { } owner && owner.Consumers(name).Count == 0 && !owner.IsGraphOutput(name))
                owner.RemoveInitializer(name);
        return rewrites;
    }

    static int LiftConstants(Graph body)
    {
        var outputs = new HashSet<string>(body.Outputs.Select(o => o.Name));
        int lifted = 0;
        foreach (var node in body.Nodes.ToList())
        {
            if (node.OpType != "Constant" || !node.IsStandard() || node.Output.Count != 1 || outputs.Contains(node.Output[0])) continue;
            if (Passes.LiftConstants.ValueOf(node) is not { } tensor) continue;
            tensor.Name = node.Output[0];
            body.Proto.Node.Remove(node);
            body.Proto.Initializer.Add(tensor);
            lifted++;
        }
        if (lifted > 0) body.Changed();
        return lifted;
    }

    /// <summary>Copies the outer initializers the body's own nodes read into the body; nested bodies get theirs in turn.</summary>
    static int LocalizeOuterInitializers(Graph body, HashSet<string> moved)
    {
        var local = new HashSet<string>(body.Proto.Input.Select(i => i.Name).Concat(body.Proto.Initializer.Select(t => t.Name)));
        foreach (var n in body.Nodes) local.UnionWith(n.Output);
        int copied = 0;
        foreach (var name in body.Nodes.SelectMany(n => n.Input).Where(i => i.Length > 0 && !local.Contains(i)).Distinct().ToList())
        {
            if (OuterInitializer(body, name) is not { } outer) continue;
            var copy = outer.Clone();
            copy.Name = body.UniqueName(name);
            body.Proto.Initializer.Add(copy);
            foreach (var n in body.Nodes)
                for (int i = 0; i < n.Input.Count; i++)
                    if (n.Input[i] == name) n.Input[i] = copy.Name;
            moved.Add(name);
            copied++;
        }
        if (copied > 0) body.Changed();
        return copied;
    }

    static TensorProto? OuterInitializer(Graph body, string name)
    {
        for (var g = body.Parent; g is not null; g = g.Parent)
            if (g.Initializer(name) is { } t) return g.IsGraphInput(name) ? null : t;
        return null;
    }
}
