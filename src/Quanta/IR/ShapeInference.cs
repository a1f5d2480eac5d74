using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR;

/// <summary>
/// Static shape and element-type inference over the main graph. Symbolic dims (the batch "N")
/// are carried by name; small integer tensors (shapes, indices) are tracked by value, so that
/// exporter chains like Shape→Gather→Unsqueeze→Concat→Reshape still give Reshape a shape.
/// Unknown ops leave their outputs unknown instead of failing. A rule that throws (a malformed
/// node, or a bug in the rule) does not stop inference of the rest either, but it is recorded:
/// <see cref="Diagnose"/> lists the failures, and tests require none on the models we know.
/// </summary>
internal static class ShapeInference
{
    /// <summary>Infers every tensor's type and shape and writes them into the graph's value_info.</summary>
    public static Dictionary<string, TensorTypeInfo> Infer(Model model)
    {
        var result = Analyze(model);
        Write(model.Graph, result);
        InferBodies(model.Graph, model.Opset(), result);
        return result;
    }

    /// <summary>Infers the bodies of If/Loop/Scan nodes as graphs of their own, seeded with what their enclosing scopes know.</summary>
    static void InferBodies(Graph graph, long opset, Dictionary<string, TensorTypeInfo> outer)
    {
        foreach (var node in graph.Nodes.Where(Graph.HasBodies).ToList())
            foreach (var body in graph.BodiesOf(node))
            {
                var types = Run(body, opset, outer).Types;
                Write(body, types);
                InferBodies(body, opset, types);
            }
    }

    /// <summary>Infers every tensor's type and shape without touching the model.</summary>
    public static Dictionary<string, TensorTypeInfo> Analyze(Model model) => Run(model).Types;

    /// <summary>The nodes whose shape rule threw, and what it threw; empty when every rule ran.</summary>
    public static IReadOnlyList<ShapeRuleFailure> Diagnose(Model model) => Run(model).Failures;

    internal static InferenceState Run(Model model) => Run(model.Graph, model.Opset(), null);

    static InferenceState Run(Graph graph, long opset, Dictionary<string, TensorTypeInfo>? outer)
    {
        var state = new InferenceState(opset);
        if (outer is not null) foreach (var (name, info) in outer) state.Types[name] = info;
        foreach (var t in graph.Initializers) state.SeedInitializer(t);
        foreach (var v in graph.Inputs)
            if (!state.Types.ContainsKey(v.Name) && FromValueInfo(v) is { } info) state.Types[v.Name] = info;
        // Existing value_info is only a fallback, consulted when a rule cannot say more.
        var declared = new Dictionary<string, TensorTypeInfo>();
        foreach (var v in graph.Proto.ValueInfo.Concat(graph.Outputs))
            if (FromValueInfo(v) is { } info) declared.TryAdd(v.Name, info);

        foreach (var node in graph.TopologicalOrder())
        {
            var ctx = new InferenceContext(node, state);
            try { ShapeRules.Apply(ctx); }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException or InvalidOperationException or DivideByZeroException)
            {
                // A malformed node (wrong attribute, bad constant) must not stop inference of the rest;
                // its outputs stay unknown, and the failure is kept where tests and tools can see it.
                state.Failures.Add(new ShapeRuleFailure(Graph.Describe(node), node.OpType, $"{e.GetType().Name}: {e.Message}"));
            }
            foreach (var o in node.Output)
            {
                if (o.Length == 0) continue;
                var have = state.Types.GetValueOrDefault(o);
                if (declared.TryGetValue(o, out var d) && (have is null || have.ElemType == 0 || have.Shape is null))
                    state.Types[o] = have is null ? d : new TensorTypeInfo(have.ElemType != 0 ? have.ElemType : d.ElemType, have.Shape ?? d.Shape);
            }
        }
        return state;
    }

    public static TensorTypeInfo? FromValueInfo(ValueInfoProto v)
    {
        if (v.Type?.TensorType is not { } tt) return null;
        Dim[]? shape = null;
        if (tt.Shape is not null)
        {
            shape = new Dim[tt.Shape.Dim.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                var d = tt.Shape.Dim[i];
                shape[i] = d.HasDimValue ? Dim.Of(d.DimValue) : d.HasDimParam && d.DimParam.Length > 0 ? Dim.Symbol(d.DimParam) : Dim.Unknown;
            }
        }
        return new TensorTypeInfo(tt.ElemType, shape);
    }

    public static TypeProto ToTypeProto(TensorTypeInfo info)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = info.ElemType };
        if (info.Shape is not null)
        {
            tt.Shape = new TensorShapeProto();
            foreach (var d in info.Shape)
            {
                var dim = new TensorShapeProto.Types.Dimension();
                if (d.IsStatic) dim.DimValue = d.Value;
                else if (d.Param is not null) dim.DimParam = d.Param;
                tt.Shape.Dim.Add(dim);
            }
        }
        return new TypeProto { TensorType = tt };
    }

    /// <summary>
    /// Rewrites value_info: one entry per node output that is not a graph output, ours where we
    /// know the type, the old one otherwise; entries for tensors that no longer exist are dropped.
    /// </summary>
    static void Write(Graph graph, Dictionary<string, TensorTypeInfo> types)
    {
        var old = new Dictionary<string, ValueInfoProto>();
        foreach (var v in graph.Proto.ValueInfo) old.TryAdd(v.Name, v);
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        graph.Proto.ValueInfo.Clear();
        foreach (var node in graph.Nodes)
            foreach (var o in node.Output)
            {
                if (o.Length == 0 || outputs.Contains(o)) continue;
                if (types.TryGetValue(o, out var info) && info.ElemType != 0)
                    graph.Proto.ValueInfo.Add(new ValueInfoProto { Name = o, Type = ToTypeProto(info) });
                else if (old.TryGetValue(o, out var v))
                    graph.Proto.ValueInfo.Add(v);
            }
        // A graph output declared without a type gets ours (ONNX requires output types).
        foreach (var o in graph.Outputs)
            if (o.Type?.TensorType is null && types.TryGetValue(o.Name, out var info) && info.ElemType != 0)
                o.Type = ToTypeProto(info);
        graph.Changed();
    }
}

/// <summary>A node whose shape rule threw: its outputs were left unknown.</summary>
internal sealed record ShapeRuleFailure(string Node, string OpType, string Error)
{
    public override string ToString() => $"{OpType} '{Node}': {Error}";
}

/// <summary>What inference knows so far: types and shapes, and the values of small integer tensors.</summary>
internal sealed class InferenceState(long opset)
{
    /// <summary>Rules that threw, in node order.</summary>
    public List<ShapeRuleFailure> Failures { get; } = new();

    /// <summary>Integer tensors up to this many elements are tracked by value.</summary>
    public const int MaxTrackedValues = 64;

    public long Opset { get; } = opset;
    public Dictionary<string, TensorTypeInfo> Types { get; } = new();
    /// <summary>Values of small rank-0/1 integer tensors; a value may be symbolic (a dim of a Shape).</summary>
    public Dictionary<string, SymInt[]> Values { get; } = new();
    public Dictionary<string, TensorProto> Constants { get; } = new();

    public void SeedInitializer(TensorProto t) => SeedConstant(t.Name, t);

    public void SeedConstant(string name, TensorProto t)
    {
        var shape = new Dim[t.Dims.Count];
        for (int i = 0; i < shape.Length; i++) shape[i] = Dim.Of(t.Dims[i]);
        Types[name] = new TensorTypeInfo(t.DataType, shape);
        Constants[name] = t;
        if (t.Dims.Count <= 1 && IsInteger(t.DataType) && Tensors.ElementCount(t) <= MaxTrackedValues
            && t.DataLocation != TensorProto.Types.DataLocation.External)
        {
            var v = Tensors.ToInt64s(t);
            var values = new SymInt[v.Length];
            for (int i = 0; i < v.Length; i++) values[i] = SymInt.Num(v[i]);
            Values[name] = values;
        }
    }

    public static bool IsInteger(int t) => t is DataTypes.Int64 or DataTypes.Int32 or DataTypes.Int16 or DataTypes.Int8
        or DataTypes.UInt8 or DataTypes.UInt16 or DataTypes.Bool;
}
