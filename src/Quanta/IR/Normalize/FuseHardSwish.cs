using Quanta.IR.Passes;
using Quanta.Onnx.Proto;
using static Quanta.IR.Normalize.NodeKit;

namespace Quanta.IR.Normalize;

/// <summary>
/// Fuses the hard-swish exporters write — <c>x·Clip(x+3,0,6)/6</c> with the division before or
/// after the product, by 6 or times 1/6, and <c>x·HardSigmoid(x)</c> (alpha 1/6, beta ½) — into
/// one <c>HardSwish</c>. Needs opset 14: the import is raised when nothing else in the graph
/// changes meaning on the way, otherwise the pass does nothing (run <see cref="UpgradeOpset"/> first).
/// </summary>
internal sealed class FuseHardSwish : IGraphPass
{
    const long RequiredOpset = 14;

    public string Name => "FuseHardSwish";

    /// <summary>x, the nodes to remove, and the tensor the HardSwish writes.</summary>
    sealed record Match(string X, List<NodeProto> Nodes, string Output);

    public int Apply(Model model)
    {
        var g = model.Graph;
        var matches = new List<Match>();
        foreach (var n in g.Nodes.ToList())
            if ((MatchClipForm(g, n) ?? MatchHardSigmoidForm(g, n)) is { } m) matches.Add(m);
        if (matches.Count == 0 || !OpsetChanges.TryRaise(model, RequiredOpset)) return 0;

        foreach (var m in matches)
        {
            g.AddNode(Node("HardSwish", g.UniqueName("HardSwish"), [m.X], [m.Output]));
            RemoveReplaced(g, m.Nodes);
        }
        g.SortTopologically();
        return matches.Count;
    }

    /// <summary>Clip(x+3,0,6) followed, in either order, by a product with x and a division by six.</summary>
    static Match? MatchClipForm(Graph g, NodeProto clip)
    {
        if (HardPatterns.MatchRelu6OfXPlus3(g, clip) is not { } relu6) return null;
        var (add, x) = relu6;
        var first = SoleConsumer(g, clip.Output[0]);
        if (first is null) return null;
        var second = SoleConsumer(g, first.Output[0]);
        if (second is null) return null;
        bool productFirst = IsProductWith(first, clip.Output[0], x) && HardPatterns.IsDivideBySix(g, second, first.Output[0]);
        bool divisionFirst = HardPatterns.IsDivideBySix(g, first, clip.Output[0]) && IsProductWith(second, first.Output[0], x);
        return productFirst || divisionFirst ? new Match(x, [add, clip, first, second], second.Output[0]) : null;
    }

    static Match? MatchHardSigmoidForm(Graph g, NodeProto hs)
    {
        if (!HardPatterns.IsHardSigmoidOneSixth(hs)) return null;
        string x = hs.Input[0];
        var mul = SoleConsumer(g, hs.Output[0]);
        return mul is not null && IsProductWith(mul, hs.Output[0], x) ? new Match(x, [hs, mul], mul.Output[0]) : null;
    }

    static bool IsProductWith(NodeProto n, string v, string x) => Is(n, "Mul") && OtherInput(n, v) == x;
}
