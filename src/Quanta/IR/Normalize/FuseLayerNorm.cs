using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using static Quanta.IR.Normalize.NodeKit;

namespace Quanta.IR.Normalize;

/// <summary>
/// Fuses the LayerNorm exporters write out op by op —
/// <c>ReduceMean → Sub → Pow(2)|Mul(d,d) → ReduceMean → Add(ε) → Sqrt → Div → Mul(γ) [→ Add(β)]</c>
/// over the last axis — into one <c>LayerNormalization(axis=-1)</c>, so the quantizer sees one
/// op to keep in float instead of nine to quantize badly. Needs opset 17: the import is raised
/// when nothing else in the graph changes meaning on the way (<see cref="OpsetChanges"/>);
/// otherwise the pass leaves the graph decomposed (run <see cref="UpgradeOpset"/> first).
/// </summary>
internal sealed class FuseLayerNorm : IGraphPass
{
    const long RequiredOpset = 17;

    public string Name => "FuseLayerNorm";

    /// <summary>One matched chain: what the fused node reads and writes, and what it replaces.</summary>
    sealed record Match(string X, TensorProto Gamma, string GammaName, string? Beta, float Epsilon, string Output, List<NodeProto> Nodes);

    public int Apply(Model model)
    {
        var g = model.Graph;
        long opset = model.Opset("");
        var matches = new List<Match>();
        foreach (var n in g.Nodes.ToList())
            if (TryMatch(g, opset, n) is { } m) matches.Add(m);
        if (matches.Count == 0) return 0;
        if (!OpsetChanges.TryRaise(model, RequiredOpset)) return 0;

        foreach (var m in matches) Rewrite(g, m);
        g.SortTopologically();
        return matches.Count;
    }

    static Match? TryMatch(Graph g, long opset, NodeProto mean1)
    {
        if (!Is(mean1, "ReduceMean") || !ReducesLastAxis(g, opset, mean1)) return null;
        string x = mean1.Input[0];

        var sub = SoleConsumer(g, mean1.Output[0]);
        if (!Is(sub, "Sub") || sub!.Input[0] != x || sub.Input[1] != mean1.Output[0]) return null;
        string d = sub.Output[0];

        // d feeds exactly the squaring and the final division.
        if (g.IsGraphOutput(d) || g.Consumers(d).Count != 2) return null;
        var square = g.Consumers(d).FirstOrDefault(c => IsSquareOf(g, c, d));
        var div = g.Consumers(d).FirstOrDefault(c => c != square && Is(c, "Div") && c.Input[0] == d);
        if (square is null || div is null) return null;

        var mean2 = SoleConsumer(g, square.Output[0]);
        if (!Is(mean2, "ReduceMean") || !ReducesLastAxis(g, opset, mean2!)) return null;

        var addEps = SoleConsumer(g, mean2!.Output[0]);
        if (!Is(addEps, "Add") || OtherInput(addEps!, mean2.Output[0]) is not { } epsName || !TryScalar(g, epsName, out float eps)) return null;

        var sqrt = SoleConsumer(g, addEps!.Output[0]);
        if (!Is(sqrt, "Sqrt") || SoleConsumer(g, sqrt!.Output[0]) != div || div.Input[1] != sqrt.Output[0]) return null;

        var mulGamma = SoleConsumer(g, div.Output[0]);
        if (!Is(mulGamma, "Mul") || OtherInput(mulGamma!, div.Output[0]) is not { } gammaName) return null;
        var gamma = g.ConstantValue(gammaName);
        if (gamma is null || ChannelCount(gamma) is not { } channels) return null;

        var nodes = new List<NodeProto> { mean1, sub, square, mean2, addEps, sqrt, div, mulGamma! };
        string output = mulGamma!.Output[0];
        string? betaName = null;
        // β is optional: take the Add only when it adds a per-channel constant of the same size.
        if (SoleConsumer(g, output) is { } addBeta && Is(addBeta, "Add") && OtherInput(addBeta, output) is { } b
            && g.ConstantValue(b) is { } beta && ChannelCount(beta) == channels)
        {
            betaName = b;
            nodes.Add(addBeta);
            output = addBeta.Output[0];
        }
        return new Match(x, gamma, gammaName, betaName, eps, output, nodes);
    }

    static bool IsSquareOf(Graph g, NodeProto n, string d) =>
        (Is(n, "Pow") && n.Input[0] == d && IsScalar(g, n.Input[1], 2f, 0))
        || (Is(n, "Mul") && n.Input.Count == 2 && n.Input[0] == d && n.Input[1] == d);

    /// <summary>keepdims and one reduced axis that is the last one (-1, or rank-1 when the rank is known).</summary>
    static bool ReducesLastAxis(Graph g, long opset, NodeProto n)
    {
        if ((IntAttr(n, "keepdims") ?? 1) != 1) return false;
        long[]? axes = IntsAttr(n, "axes");
        if (axes is null && opset >= 18 && n.Input.Count > 1 && g.ConstantValue(n.Input[1]) is { } t) axes = Tensors.ToInt64s(t);
        if (axes is not { Length: 1 }) return false;
        return axes[0] == -1 || (Rank(g, n.Input[0]) is { } r && axes[0] == r - 1);
    }

    /// <summary>C when the tensor is [C] or [1,…,1,C]; LayerNormalization wants γ and β shaped [C].</summary>
    static long? ChannelCount(TensorProto t)
    {
        if (t.Dims.Count == 0 || t.DataType != DataTypes.Float) return null;
        for (int i = 0; i < t.Dims.Count - 1; i++) if (t.Dims[i] != 1) return null;
        return t.Dims[^1];
    }

    static void Rewrite(Graph g, Match m)
    {
        string gamma = OneDimensional(g, m.GammaName, m.Gamma);
        string? beta = m.Beta is null ? null : OneDimensional(g, m.Beta, g.ConstantValue(m.Beta)!);
        var inputs = beta is null ? new[] { m.X, gamma } : new[] { m.X, gamma, beta };
        g.AddNode(Node("LayerNormalization", g.UniqueName("LayerNormalization"), inputs, [m.Output],
            Int("axis", -1), Float("epsilon", m.Epsilon)));
        RemoveReplaced(g, m.Nodes);
    }

    /// <summary>The constant itself when already [C], else a [C] copy (the original may have other readers).</summary>
    static string OneDimensional(Graph g, string name, TensorProto t)
    {
        if (t.Dims.Count == 1) return name;
        return AddConstant(g, name + "_1d", Tensors.FromFloats("", [t.Dims[^1]], Tensors.ToFloats(t)));
    }
}
