using Quanta.Onnx.Proto;

namespace Quanta.IR.Normalize;

/// <summary>
/// Where the default ONNX domain changed an operator so that a node written for an older opset
/// means something else (or is invalid) under a newer import. A fusion that needs a newer op
/// (LayerNormalization 17, HardSwish 14) may relabel the import only when no node is affected;
/// <see cref="UpgradeOpset"/> rewrites the affected nodes instead.
/// </summary>
internal static class OpsetChanges
{
    /// <summary>Op type → the opset versions at which it changed incompatibly.</summary>
    static readonly Dictionary<string, int[]> Breaking = new()
    {
        ["Upsample"] = [10],            // removed: Resize replaces it
        ["Slice"] = [10],               // starts/ends/axes attributes → inputs
        ["TopK"] = [10],                // k attribute → input
        ["Resize"] = [11],              // (X, scales) → (X, roi, scales, sizes), new coordinate modes
        ["Clip"] = [11],                // min/max attributes → inputs
        ["Pad"] = [11],                 // pads/value attributes → inputs
        ["Scatter"] = [11],             // removed: ScatterElements replaces it
        ["Dropout"] = [12],             // ratio attribute → input
        ["Squeeze"] = [13],             // axes attribute → input
        ["Unsqueeze"] = [13],
        ["ReduceSum"] = [13],
        ["Split"] = [13],               // split attribute → input
        ["Softmax"] = [13],             // flattened to 2-D at axis before 13, one axis after
        ["LogSoftmax"] = [13],
        ["Hardmax"] = [13],
        ["ReduceMean"] = [18],          // axes attribute → input
        ["ReduceMax"] = [18], ["ReduceMin"] = [18], ["ReduceProd"] = [18], ["ReduceL1"] = [18], ["ReduceL2"] = [18],
        ["ReduceLogSum"] = [18], ["ReduceLogSumExp"] = [18], ["ReduceSumSquare"] = [18],
    };

    /// <summary>True when <paramref name="n"/> needs rewriting to mean the same under <paramref name="to"/> as under <paramref name="from"/>.</summary>
    public static bool Affects(NodeProto n, long from, long to)
    {
        if (!NodeKit.IsDefaultDomain(n)) return false;
        // BatchNormalization 14 redefined its optional training outputs; inference (one output) is unchanged.
        if (n.OpType == "BatchNormalization") return from < 14 && to >= 14 && n.Output.Count > 1;
        return Breaking.TryGetValue(n.OpType, out var versions) && versions.Any(v => from < v && v <= to);
    }

    /// <summary>Op types in the graph (subgraphs included) that block relabelling the import from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static List<string> Blocking(GraphProto g, long from, long to)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        Collect(g, from, to, found);
        return found.ToList();
    }

    static void Collect(GraphProto g, long from, long to, SortedSet<string> found)
    {
        foreach (var n in g.Node)
        {
            if (Affects(n, from, to)) found.Add(n.OpType);
            foreach (var a in n.Attribute)
            {
                if (a.G is not null) Collect(a.G, from, to, found);
                foreach (var sub in a.Graphs) Collect(sub, from, to, found);
            }
        }
    }

    /// <summary>
    /// Relabels the default-domain import to at least <paramref name="target"/> when no node changes
    /// meaning on the way; returns false (model untouched) otherwise.
    /// </summary>
    public static bool TryRaise(Model model, long target)
    {
        long current = model.Opset("");
        if (current >= target) return true;
        if (current <= 0 || Blocking(model.Proto.Graph, current, target).Count > 0) return false;
        Raise(model, target);
        return true;
    }

    /// <summary>Sets the default-domain import and lifts the IR version to one that admits it.</summary>
    internal static void Raise(Model model, long target)
    {
        model.SetOpset("", target);
        long ir = MinimumIrVersion(target);
        if (model.Proto.IrVersion < ir) model.Proto.IrVersion = ir;
    }

    /// <summary>The IR version each opset range was released with (onnx/helper.py VERSION_TABLE).</summary>
    static long MinimumIrVersion(long opset) => opset switch
    {
        <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };
}
