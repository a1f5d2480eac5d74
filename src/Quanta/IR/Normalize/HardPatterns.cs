using Quanta.Onnx.Proto;
using static Quanta.IR.Normalize.NodeKit;

namespace Quanta.IR.Normalize;

/// <summary>
/// The pieces of <c>x·Clip(x+3, 0, 6)/6</c> the hard-sigmoid and hard-swish fusions share.
/// </summary>
internal static class HardPatterns
{
    public const float Alpha = 1f / 6f;
    public const float Beta = 0.5f;

    /// <summary>
    /// For <c>Clip(Add(x, 3), 0, 6)</c> (bounds as inputs or, before opset 11, attributes) returns the
    /// Add node and x; the Add's result must feed only the Clip.
    /// </summary>
    public static (NodeProto Add, string X)? MatchRelu6OfXPlus3(Graph g, NodeProto clip)
    {
        if (!Is(clip, "Clip") || !HasBounds(g, clip, 0f, 6f)) return null;
        var add = g.Producer(clip.Input[0]);
        if (!Is(add, "Add") || SoleConsumer(g, add!.Output[0]) != clip) return null;
        foreach (var (x, three) in new[] { (add.Input[0], add.Input[1]), (add.Input[1], add.Input[0]) })
            if (IsScalar(g, three, 3f) && !IsScalar(g, x, 3f)) return (add, x);
        return null;
    }

    static bool HasBounds(Graph g, NodeProto clip, float lo, float hi)
    {
        if (clip.Input.Count >= 2)
            return clip.Input.Count == 3 && IsScalar(g, clip.Input[1], lo, 0) && IsScalar(g, clip.Input[2], hi, 0);
        return FloatAttr(clip, "min") == lo && FloatAttr(clip, "max") == hi;
    }

    /// <summary>True for <c>Div(v, 6)</c> or <c>Mul(v, 1/6)</c> (either operand order for the Mul).</summary>
    public static bool IsDivideBySix(Graph g, NodeProto? n, string v)
    {
        if (Is(n, "Div")) return n!.Input[0] == v && IsScalar(g, n.Input[1], 6f, 0);
        return Is(n, "Mul") && OtherInput(n!, v) is { } k && IsScalar(g, k, Alpha, 1e-6f);
    }

    public static bool IsHardSigmoidOneSixth(NodeProto n) =>
        Is(n, "HardSigmoid")
        && MathF.Abs((FloatAttr(n, "alpha") ?? 0.2f) - Alpha) <= 1e-6f
        && MathF.Abs((FloatAttr(n, "beta") ?? 0.5f) - Beta) <= 1e-6f;
}
