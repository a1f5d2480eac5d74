using Quanta.Onnx.Proto;

namespace Quanta.IR;

/// <summary>Typed reads of a node's attributes with the ONNX defaults a rule supplies.</summary>
internal static class NodeAttributes
{
    public static AttributeProto? Attr(this NodeProto n, string name)
    {
        foreach (var a in n.Attribute) if (a.Name == name) return a;
        return null;
    }

    public static long GetInt(this NodeProto n, string name, long fallback) =>
        n.Attr(name) is { } a ? a.I : fallback;

    public static float GetFloat(this NodeProto n, string name, float fallback) =>
        n.Attr(name) is { } a ? a.F : fallback;

    public static string GetString(this NodeProto n, string name, string fallback) =>
        n.Attr(name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>The ints of an attribute, or null when the node does not set it.</summary>
    public static long[]? GetInts(this NodeProto n, string name) =>
        n.Attr(name) is { } a ? a.Ints.ToArray() : null;

    public static bool IsStandard(this NodeProto n) => n.Domain is "" or "ai.onnx";

    public static bool HasSubgraph(this NodeProto n)
    {
        foreach (var a in n.Attribute) if (a.G is not null || a.Graphs.Count > 0) return true;
        return false;
    }
}
