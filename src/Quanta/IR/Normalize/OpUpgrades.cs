using Quanta.Onnx;
using Quanta.Onnx.Proto;
using static Quanta.IR.Normalize.NodeKit;

namespace Quanta.IR.Normalize;

/// <summary>
/// One rewrite per operator whose signature changed between opset 7 and 13, each turning a node
/// written for <c>from</c> into its opset-13 form with the same meaning. Each returns whether it
/// changed the node (constants it needs become initializers).
/// </summary>
internal static class OpUpgrades
{
    public delegate bool Rewrite(Graph g, NodeProto n, long from);

    public static readonly IReadOnlyDictionary<string, Rewrite> ByOpType = new Dictionary<string, Rewrite>
    {
        ["Clip"] = (g, n, from) => from < 11 && ClipBounds(g, n),
        ["Squeeze"] = (g, n, from) => from < 13 && AxesToInput(g, n),
        ["Unsqueeze"] = (g, n, from) => from < 13 && AxesToInput(g, n),
        ["ReduceSum"] = (g, n, from) => from < 13 && AxesToInput(g, n),
        ["Split"] = (g, n, from) => from < 13 && IntsToInput(g, n, "split", 1),
        ["BatchNormalization"] = (g, n, _) => BatchNorm(n),
        ["Dropout"] = (g, n, from) => from < 12 && DropoutRatio(g, n),
        ["Upsample"] = (g, n, _) => UpsampleToResize(g, n),
        ["Resize"] = (g, n, from) => from < 11 && Resize10(g, n),
        ["Softmax"] = (g, n, from) => from < 13 && Flattening(g, n),
        ["LogSoftmax"] = (g, n, from) => from < 13 && Flattening(g, n),
        ["Hardmax"] = (g, n, from) => from < 13 && Flattening(g, n),
        ["Pad"] = (g, n, from) => from < 11 && PadAttributes(g, n),
        ["Slice"] = (g, n, from) => from < 10 && SliceAttributes(g, n),
        ["TopK"] = (g, n, from) => from < 10 && IntsToInput(g, n, "k", 1, asVector: true),
        ["Scatter"] = (g, n, from) => from < 11 && Rename(n, "ScatterElements"),
    };

    /// <summary>Clip-6: min/max attributes (default ±∞) → optional inputs 2 and 3.</summary>
    static bool ClipBounds(Graph g, NodeProto n)
    {
        float? lo = FloatAttr(n, "min"), hi = FloatAttr(n, "max");
        RemoveAttr(n, "min");
        RemoveAttr(n, "max");
        n.Input.Add(lo is { } l ? AddFloatScalar(g, n.Output[0] + "_min", l) : "");
        n.Input.Add(hi is { } h ? AddFloatScalar(g, n.Output[0] + "_max", h) : "");
        if (hi is null) n.Input.RemoveAt(2);
        if (hi is null && lo is null) n.Input.RemoveAt(1);
        return true;
    }

    static bool AxesToInput(Graph g, NodeProto n) => IntsToInput(g, n, "axes", 1);

    /// <summary>An ints attribute (or an int one, for TopK's k) becomes an int64 input at <paramref name="position"/>.</summary>
    static bool IntsToInput(Graph g, NodeProto n, string attribute, int position, bool asVector = false)
    {
        var a = Attr(n, attribute);
        if (a is null) return false;
        long[] values = asVector ? [a.I] : a.Ints.ToArray();
        n.Attribute.Remove(a);
        while (n.Input.Count < position) n.Input.Add("");
        n.Input.Insert(position, AddInt64s(g, n.Output[0] + "_" + attribute, values));
        return true;
    }

    /// <summary>Attributes of BatchNormalization before opset 9 that later versions reject.</summary>
    static bool BatchNorm(NodeProto n)
    {
        if (IntAttr(n, "spatial") == 0)
            throw QuantaException.BadInput($"node '{Graph.Describe(n)}': BatchNormalization with spatial=0 has no opset-13 form");
        bool changed = false;
        foreach (var name in new[] { "spatial", "consumed_inputs", "is_test" }) changed |= RemoveAttr(n, name);
        return changed;
    }

    /// <summary>Dropout-10 and older: ratio attribute → input (inference ignores it either way).</summary>
    static bool DropoutRatio(Graph g, NodeProto n)
    {
        bool changed = RemoveAttr(n, "is_test");
        if (FloatAttr(n, "ratio") is not { } ratio) return changed;
        RemoveAttr(n, "ratio");
        n.Input.Add(AddFloatScalar(g, n.Output[0] + "_ratio", ratio));
        return true;
    }

    /// <summary>
    /// Upsample (scales an attribute before 9, an input after) maps output index i to input i/scale —
    /// Resize's "asymmetric" coordinates, with floor for nearest.
    /// </summary>
    static bool UpsampleToResize(Graph g, NodeProto n)
    {
        string scales = n.Input.Count > 1 ? n.Input[1]
            : Attr(n, "scales") is { } s ? AddConstant(g, n.Output[0] + "_scales", Tensors.FromFloats("", [s.Floats.Count], s.Floats.ToArray()))
            : throw QuantaException.BadInput($"node '{Graph.Describe(n)}': Upsample without scales");
        string mode = StringAttr(n, "mode") ?? "nearest";
        n.OpType = "Resize";
        return ResizeForm(n, mode, scales);
    }

    /// <summary>Resize-10 (X, scales) had Upsample's coordinates; Resize-11 defaults to half_pixel.</summary>
    static bool Resize10(Graph g, NodeProto n)
    {
        return ResizeForm(n, StringAttr(n, "mode") ?? "nearest", n.Input[1]);
    }

    static bool ResizeForm(NodeProto n, string mode, string scales)
    {
        string x = n.Input[0];
        n.Input.Clear();
        n.Input.AddRange([x, "", scales]);
        n.Attribute.Clear();
        SetAttr(n, Str("mode", mode));
        SetAttr(n, Str("coordinate_transformation_mode", "asymmetric"));
        if (mode == "nearest") SetAttr(n, Str("nearest_mode", "floor"));
        return true;
    }

    /// <summary>
    /// Before 13, Softmax/LogSoftmax/Hardmax flatten the input to 2-D at <c>axis</c> (default 1) and
    /// normalize each row; from 13 they normalize along one axis. The same when the axis is the last
    /// one; otherwise Flatten → op(axis=1) → Reshape back to the input's shape says it exactly.
    /// </summary>
    static bool Flattening(Graph g, NodeProto n)
    {
        long axis = IntAttr(n, "axis") ?? 1;
        string x = n.Input[0];
        bool last = axis == -1 || (Rank(g, x) is { } r && axis == r - 1);
        if (last)
        {
            bool explicitAlready = Attr(n, "axis") is not null;
            SetAttr(n, Int("axis", axis));
            return !explicitAlready;
        }
        string flat = g.UniqueName(x + "_2d"), rows = g.UniqueName(n.Output[0] + "_2d"), shape = g.UniqueName(x + "_shape");
        string output = n.Output[0];
        g.AddNode(Node("Flatten", g.UniqueName(Graph.Describe(n) + "_flatten"), [x], [flat], Int("axis", axis)));
        g.AddNode(Node("Shape", g.UniqueName(Graph.Describe(n) + "_shape"), [x], [shape]));
        n.Input[0] = flat;
        n.Output[0] = rows;
        SetAttr(n, Int("axis", 1));
        g.AddNode(Node("Reshape", g.UniqueName(Graph.Describe(n) + "_reshape"), [rows, shape], [output]));
        return true;
    }

    /// <summary>Pad-2: pads and value attributes → inputs.</summary>
    static bool PadAttributes(Graph g, NodeProto n)
    {
        long[] pads = IntsAttr(n, "pads") ?? throw QuantaException.BadInput($"node '{Graph.Describe(n)}': Pad without pads");
        float value = FloatAttr(n, "value") ?? 0f;
        RemoveAttr(n, "pads");
        RemoveAttr(n, "value");
        n.Input.Add(AddInt64s(g, n.Output[0] + "_pads", pads));
        if (value != 0f) n.Input.Add(AddFloatScalar(g, n.Output[0] + "_value", value));
        return true;
    }

    /// <summary>Slice-1: starts/ends/axes attributes → inputs.</summary>
    static bool SliceAttributes(Graph g, NodeProto n)
    {
        long[] starts = IntsAttr(n, "starts") ?? [], ends = IntsAttr(n, "ends") ?? [];
        long[]? axes = IntsAttr(n, "axes");
        foreach (var name in new[] { "starts", "ends", "axes" }) RemoveAttr(n, name);
        n.Input.Add(AddInt64s(g, n.Output[0] + "_starts", starts));
        n.Input.Add(AddInt64s(g, n.Output[0] + "_ends", ends));
        if (axes is not null) n.Input.Add(AddInt64s(g, n.Output[0] + "_axes", axes));
        return true;
    }

    static bool Rename(NodeProto n, string opType)
    {
        n.OpType = opType;
        return true;
    }
}
