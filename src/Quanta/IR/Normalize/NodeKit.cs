using Google.Protobuf;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using AttrType = Quanta.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace Quanta.IR.Normalize;

/// <summary>
/// The small vocabulary the normalizing passes share: reading attributes and scalar constants,
/// checking who reads a tensor, and building nodes, attributes and constants.
/// </summary>
internal static class NodeKit
{
    public static bool IsDefaultDomain(NodeProto n) => n.Domain is "" or "ai.onnx";

    public static bool Is(NodeProto? n, string opType) => n is not null && n.OpType == opType && IsDefaultDomain(n);

    public static AttributeProto? Attr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name);

    public static long? IntAttr(NodeProto n, string name) => Attr(n, name) is { } a ? a.I : null;
    public static float? FloatAttr(NodeProto n, string name) => Attr(n, name) is { } a ? a.F : null;
    public static long[]? IntsAttr(NodeProto n, string name) => Attr(n, name) is { } a ? a.Ints.ToArray() : null;
    public static string? StringAttr(NodeProto n, string name) => Attr(n, name) is { } a ? a.S.ToStringUtf8() : null;

    public static bool RemoveAttr(NodeProto n, string name)
    {
        var a = Attr(n, name);
        return a is not null && n.Attribute.Remove(a);
    }

    public static void SetAttr(NodeProto n, AttributeProto a)
    {
        RemoveAttr(n, a.Name);
        n.Attribute.Add(a);
    }

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttrType.Int, I = v };
    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttrType.Float, F = v };
    public static AttributeProto Str(string name, string v) => new() { Name = name, Type = AttrType.String, S = ByteString.CopyFromUtf8(v) };
    public static AttributeProto Ints(string name, IEnumerable<long> v)
    {
        var a = new AttributeProto { Name = name, Type = AttrType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    public static NodeProto Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = opType, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    /// <summary>Adds <paramref name="t"/> as an initializer under a fresh name built from <paramref name="hint"/>; returns the name.</summary>
    public static string AddConstant(Graph g, string hint, TensorProto t)
    {
        t.Name = g.UniqueName(hint);
        g.AddInitializer(t);
        return t.Name;
    }

    public static string AddInt64s(Graph g, string hint, params long[] values) =>
        AddConstant(g, hint, Tensors.FromInt64s("", [values.Length], values));

    public static string AddFloatScalar(Graph g, string hint, float value) => AddConstant(g, hint, Tensors.Scalar("", value));

    /// <summary>The value of a one-element numeric constant (initializer or Constant node).</summary>
    public static bool TryScalar(Graph g, string name, out float value)
    {
        value = 0;
        var t = g.ConstantValue(name);
        if (t is null || Tensors.ElementCount(t) != 1) return false;
        try { value = Tensors.ToFloats(t)[0]; }
        catch (QuantaException) { return false; }
        return true;
    }

    public static bool IsScalar(Graph g, string name, float expected, float tolerance = 1e-6f) =>
        TryScalar(g, name, out var v) && MathF.Abs(v - expected) <= tolerance;

    /// <summary>The one node reading <paramref name="tensor"/>, or null when it has several readers or is a graph output.</summary>
    public static NodeProto? SoleConsumer(Graph g, string tensor)
    {
        if (g.IsGraphOutput(tensor)) return null;
        var c = g.Consumers(tensor);
        return c.Count == 1 ? c[0] : null;
    }

    /// <summary>For a binary node reading <paramref name="known"/>, the other operand (null when neither or both are it).</summary>
    public static string? OtherInput(NodeProto n, string known)
    {
        if (n.Input.Count != 2) return null;
        if (n.Input[0] == known && n.Input[1] != known) return n.Input[1];
        if (n.Input[1] == known && n.Input[0] != known) return n.Input[0];
        return null;
    }

    /// <summary>The known rank of <paramref name="tensor"/> from the graph's value infos, or null.</summary>
    public static int? Rank(Graph g, string tensor) =>
        g.ValueInfo(tensor)?.Type?.TensorType?.Shape is { } s ? s.Dim.Count : null;

    /// <summary>
    /// Removes the nodes a fusion replaced, then the constants (Constant nodes or initializers)
    /// only they read. Call it after adding the fused node, so constants it reuses survive.
    /// </summary>
    public static void RemoveReplaced(Graph g, IEnumerable<NodeProto> nodes)
    {
        var inputs = new List<string>();
        foreach (var n in nodes) { inputs.AddRange(n.Input); g.RemoveNode(n); }
        foreach (var name in inputs.Distinct())
        {
            if (name.Length == 0 || g.Consumers(name).Count > 0 || g.IsGraphOutput(name)) continue;
            if (g.IsInitializer(name)) g.RemoveInitializer(name);
            else if (g.Producer(name) is { } p && Is(p, "Constant")) g.RemoveNode(p);
        }
    }
}
