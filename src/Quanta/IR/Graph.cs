using Google.Protobuf.Collections;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR;

/// <summary>
/// A mutable view over a <see cref="GraphProto"/>: nodes, initializers, value infos and the
/// producer/consumer maps passes need. The mutators here keep the indexes up to date as they
/// go, so a writer that inserts a node per tensor stays linear in the graph's size; a pass that
/// edits the proto directly calls <see cref="Changed"/>, which drops them to be rebuilt lazily.
/// </summary>
public sealed partial class Graph
{
    public GraphProto Proto { get; }
    public RepeatedField<NodeProto> Nodes => Proto.Node;
    public RepeatedField<ValueInfoProto> Inputs => Proto.Input;
    public RepeatedField<ValueInfoProto> Outputs => Proto.Output;

    Index? _index;

    public Graph(GraphProto proto) => Proto = proto;

    /// <summary>Marks the indexes stale after a direct edit of the proto.</summary>
    public void Changed() => Root.InvalidateTree();

    Index Idx => _index ??= new Index(Proto);

    sealed class Index
    {
        public readonly Dictionary<string, TensorProto> Initializers = new();
        public readonly Dictionary<string, NodeProto> Producers = new();
        public readonly Dictionary<string, List<NodeProto>> Consumers = new();
        public readonly Dictionary<string, ValueInfoProto> ValueInfos = new();
        public readonly HashSet<string> Names = new();

        public Index(GraphProto g)
        {
            foreach (var t in g.Initializer) AddInitializer(t);
            foreach (var v in g.Input.Concat(g.ValueInfo).Concat(g.Output)) { ValueInfos.TryAdd(v.Name, v); Names.Add(v.Name); }
            foreach (var n in g.Node) AddNode(n);
        }

        public void AddInitializer(TensorProto t)
        {
            Initializers[t.Name] = t;
            Names.Add(t.Name);
        }

        public void AddNode(NodeProto n)
        {
            if (n.Name.Length > 0) Names.Add(n.Name);
            foreach (var o in n.Output) if (o.Length > 0) { Producers[o] = n; Names.Add(o); }
            foreach (var i in ReadNames(n)) AddConsumer(i, n);
            // Names are unique across a model and its subgraphs (ONNX forbids shadowing), so fresh names avoid every scope.
            foreach (var a in n.Attribute) foreach (var sub in SubgraphsOf(a)) AddNamesOf(sub, Names);
        }

        /// <summary>Forgets a removed node. Its names stay reserved, so <see cref="UniqueName"/> never reuses them.</summary>
        public void RemoveNode(NodeProto n)
        {
            foreach (var o in n.Output)
                if (Producers.TryGetValue(o, out var p) && p == n) Producers.Remove(o);
            foreach (var i in ReadNames(n)) RemoveConsumer(i, n);
        }

        public void AddConsumer(string tensor, NodeProto n)
        {
            if (!Consumers.TryGetValue(tensor, out var list)) Consumers[tensor] = list = new List<NodeProto>();
            if (!list.Contains(n)) list.Add(n);
        }

        public void RemoveConsumer(string tensor, NodeProto n)
        {
            if (Consumers.TryGetValue(tensor, out var list)) list.Remove(n);
        }
    }

    /// <summary>Every tensor a node reads: its inputs and the outer-scope names its subgraphs use.</summary>
    static IEnumerable<string> ReadNames(NodeProto n) =>
        n.Input.Where(i => i.Length > 0).Concat(n.Attribute.SelectMany(SubgraphsOf).SelectMany(OuterNames));

    static IEnumerable<GraphProto> SubgraphsOf(AttributeProto a)
    {
        if (a.G is not null) yield return a.G;
        foreach (var g in a.Graphs) yield return g;
    }

    /// <summary>Names a subgraph reads from its enclosing scope (so they count as consumed there).</summary>
    static IEnumerable<string> OuterNames(GraphProto g)
    {
        var local = new HashSet<string>(g.Input.Select(i => i.Name).Concat(g.Initializer.Select(t => t.Name)));
        foreach (var n in g.Node) foreach (var o in n.Output) local.Add(o);
        foreach (var n in g.Node)
        {
            foreach (var i in n.Input) if (i.Length > 0 && !local.Contains(i)) yield return i;
            foreach (var a in n.Attribute) foreach (var sub in SubgraphsOf(a)) foreach (var o in OuterNames(sub)) if (!local.Contains(o)) yield return o;
        }
    }

    public TensorProto? Initializer(string name) => Idx.Initializers.GetValueOrDefault(name);
    public bool IsInitializer(string name) => Idx.Initializers.ContainsKey(name);
    public IEnumerable<TensorProto> Initializers => Proto.Initializer;

    /// <summary>The node that writes <paramref name="tensor"/>, or null for graph inputs and initializers.</summary>
    public NodeProto? Producer(string tensor) => Idx.Producers.GetValueOrDefault(tensor);

    public IReadOnlyList<NodeProto> Consumers(string tensor) =>
        Idx.Consumers.TryGetValue(tensor, out var list) ? list : Array.Empty<NodeProto>();

    /// <summary>The declared type of <paramref name="name"/>, looked up in enclosing scopes when a subgraph reads an outer tensor.</summary>
    public ValueInfoProto? ValueInfo(string name) => Idx.ValueInfos.GetValueOrDefault(name) ?? Parent?.ValueInfo(name);

    public bool IsGraphOutput(string name) => Proto.Output.Any(o => o.Name == name);
    public bool IsGraphInput(string name) => Proto.Input.Any(i => i.Name == name) && !IsInitializer(name);

    /// <summary>The model's real inputs (graph inputs that are not initializers, as older IR versions list both).</summary>
    public IEnumerable<ValueInfoProto> RealInputs => Proto.Input.Where(i => !IsInitializer(i.Name));

    /// <summary>A constant's value when <paramref name="name"/> is an initializer or a Constant node's output.</summary>
    public TensorProto? ConstantValue(string name)
    {
        if (Initializer(name) is { } t) return t;
        var p = Producer(name);
        if (p is { OpType: "Constant" } && (p.Domain is "" or "ai.onnx"))
            return p.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
        return null;
    }

    public long InitializerBytes() => ExternalData.AllTensors(Proto).Sum(Tensors.ByteSize);

    /// <summary>A name not yet used by any tensor or node, built from <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        var names = Root.Idx.Names;
        string name = hint;
        for (int k = 1; names.Contains(name); k++) name = $"{hint}_{k}";
        names.Add(name);
        return name;
    }

    public void AddInitializer(TensorProto t)
    {
        Proto.Initializer.Add(t);
        _index?.AddInitializer(t);
    }

    public void RemoveInitializer(string name)
    {
        var t = Initializer(name);
        if (t is null) return;
        Proto.Initializer.Remove(t);
        var input = Proto.Input.FirstOrDefault(i => i.Name == name);
        if (input is not null) Proto.Input.Remove(input);
        if (input is not null) Changed(); // the name is now nothing at all, not a graph input
        else _index?.Initializers.Remove(name);
    }

    public void AddNode(NodeProto node)
    {
        Proto.Node.Add(node);
        _index?.AddNode(node);
    }

    public void RemoveNode(NodeProto node)
    {
        Proto.Node.Remove(node);
        _index?.RemoveNode(node);
    }

    /// <summary>Removes several nodes in one pass over the node list (removing them one by one is quadratic).</summary>
    public void RemoveNodes(IReadOnlySet<NodeProto> nodes)
    {
        if (nodes.Count == 0) return;
        var kept = Proto.Node.Where(n => !nodes.Contains(n)).ToList();
        Proto.Node.Clear();
        Proto.Node.AddRange(kept);
        if (_index is not null) foreach (var n in nodes) _index.RemoveNode(n);
    }

    /// <summary>Makes <paramref name="node"/> read <paramref name="to"/> wherever its inputs read <paramref name="from"/>.</summary>
    public void ReplaceInput(NodeProto node, string from, string to)
    {
        // A control-flow node's bodies may read the name from this scope too: they follow.
        RenameReads(node, from, to);
        if (HasBodies(node)) { Changed(); return; }
        if (_index is null) return;
        // A subgraph may still read the old name from the enclosing scope.
        if (!ReadNames(node).Contains(from)) _index.RemoveConsumer(from, node);
        _index.AddConsumer(to, node);
    }

    /// <summary>Renames one of <paramref name="node"/>'s outputs (its old name is then written by nothing).</summary>
    public void RenameOutput(NodeProto node, string from, string to)
    {
        int index = node.Output.IndexOf(from);
        if (index < 0) throw new ArgumentException($"node '{Describe(node)}' does not write '{from}'");
        node.Output[index] = to;
        if (_index is null) return;
        if (_index.Producers.TryGetValue(from, out var p) && p == node) _index.Producers.Remove(from);
        _index.Producers[to] = node;
        _index.Names.Add(to);
    }

    /// <summary>Points every reader of <paramref name="from"/> (nodes and graph outputs) at <paramref name="to"/>.</summary>
    public void ReplaceAllUses(string from, string to)
    {
        foreach (var n in Proto.Node)
            for (int i = 0; i < n.Input.Count; i++)
                if (n.Input[i] == from) n.Input[i] = to;
        foreach (var o in Proto.Output) if (o.Name == from) o.Name = to;
        Changed();
    }

    /// <summary>Node order in which every node follows its producers (Kahn's algorithm, stable).</summary>
    public List<NodeProto> TopologicalOrder()
    {
        var available = new HashSet<string>(Proto.Input.Select(i => i.Name).Concat(Proto.Initializer.Select(t => t.Name))) { "" };
        // A subgraph may read any name its enclosing scopes define: those are available from the start.
        if (Parent is not null) available.UnionWith(OuterNames(Proto));
        var pending = Proto.Node.ToList();
        var order = new List<NodeProto>(pending.Count);
        var waiting = new Dictionary<NodeProto, int>();
        var readers = new Dictionary<string, List<NodeProto>>();
        var ready = new Queue<NodeProto>();
        foreach (var n in pending)
        {
            var needs = n.Input.Concat(SubgraphOuterNames(n)).Where(i => !available.Contains(i)).Distinct().ToList();
            waiting[n] = needs.Count;
            foreach (var i in needs)
            {
                if (!readers.TryGetValue(i, out var l)) readers[i] = l = new List<NodeProto>();
                l.Add(n);
            }
            if (needs.Count == 0) ready.Enqueue(n);
        }
        while (ready.Count > 0)
        {
            var n = ready.Dequeue();
            order.Add(n);
            foreach (var o in n.Output)
                if (readers.TryGetValue(o, out var l))
                    foreach (var r in l)
                        if (--waiting[r] == 0) ready.Enqueue(r);
        }
        if (order.Count != pending.Count)
        {
            var stuck = pending.First(n => !order.Contains(n));
            throw QuantaException.BadInput($"graph has a cycle or a missing input around node '{Describe(stuck)}'");
        }
        return order;
    }

    static IEnumerable<string> SubgraphOuterNames(NodeProto n) =>
        n.Attribute.SelectMany(SubgraphsOf).SelectMany(OuterNames);

    /// <summary>Reorders the node list topologically (ONNX requires it).</summary>
    public void SortTopologically()
    {
        var order = TopologicalOrder();
        Proto.Node.Clear();
        Proto.Node.AddRange(order);
        Changed();
    }

    /// <summary>Every structural problem: dangling inputs, duplicate outputs, unknown graph outputs, cycles.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        var defined = new HashSet<string>(Proto.Input.Select(i => i.Name).Concat(Proto.Initializer.Select(t => t.Name)));
        var produced = new HashSet<string>();
        foreach (var n in Proto.Node)
        {
            if (string.IsNullOrEmpty(n.OpType)) problems.Add($"node '{n.Name}' has no op type");
            foreach (var o in n.Output)
                if (o.Length > 0 && !produced.Add(o)) problems.Add($"tensor '{o}' is written by more than one node");
        }
        defined.UnionWith(produced);
        foreach (var n in Proto.Node)
            foreach (var i in n.Input.Concat(SubgraphOuterNames(n)))
                if (i.Length > 0 && !defined.Contains(i)) problems.Add($"node '{Describe(n)}' reads '{i}', which nothing defines");
        foreach (var o in Proto.Output)
            if (!defined.Contains(o.Name)) problems.Add($"graph output '{o.Name}' is never computed");
        if (problems.Count == 0)
        {
            try { TopologicalOrder(); }
            catch (QuantaException e) { problems.Add(e.Message); }
        }
        return problems;
    }

    /// <summary>Removes nodes and initializers that no graph output depends on.</summary>
    public int RemoveUnused()
    {
        var needed = new HashSet<string>(Proto.Output.Select(o => o.Name));
        var keep = new HashSet<NodeProto>();
        foreach (var n in TopologicalOrder().AsEnumerable().Reverse())
        {
            if (!n.Output.Any(needed.Contains)) continue;
            keep.Add(n);
            foreach (var i in n.Input.Concat(SubgraphOuterNames(n))) needed.Add(i);
        }
        // Each list is filtered in one pass: removing entries one by one would be quadratic.
        int removed = Proto.Node.Count - keep.Count;
        Keep(Proto.Node, keep.Contains);
        var unusedInitializers = Proto.Initializer.Where(t => !needed.Contains(t.Name)).Select(t => t.Name).ToHashSet();
        Keep(Proto.Initializer, t => !unusedInitializers.Contains(t.Name));
        Keep(Proto.Input, i => !unusedInitializers.Contains(i.Name));
        Keep(Proto.ValueInfo, v => needed.Contains(v.Name));
        Changed();
        return removed;
    }

    static void Keep<T>(RepeatedField<T> list, Func<T, bool> keep)
    {
        var kept = list.Where(keep).ToList();
        if (kept.Count == list.Count) return;
        list.Clear();
        list.AddRange(kept);
    }

    public static string Describe(NodeProto n) => n.Name.Length > 0 ? n.Name : $"{n.OpType}→{string.Join(",", n.Output)}";
}
