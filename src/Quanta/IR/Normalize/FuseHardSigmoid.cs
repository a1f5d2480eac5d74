using Quanta.IR.Passes;
using Quanta.Onnx.Proto;
using static Quanta.IR.Normalize.NodeKit;

namespace Quanta.IR.Normalize;

/// <summary>
/// Fuses <c>Clip(x+3, 0, 6)/6</c> (or <c>·(1/6)</c>) into <c>HardSigmoid(alpha=1/6, beta=0.5)</c>:
/// the same function (clip(x/6+½, 0, 1)) as one op, so no quantize/dequantize pair lands between
/// its pieces. HardSigmoid exists since opset 6, so the import is never touched.
/// </summary>
internal sealed class FuseHardSigmoid : IGraphPass
{
    public string Name => "FuseHardSigmoid";

    public int Apply(Model model)
    {
        var g = model.Graph;
        int fused = 0;
        foreach (var clip in g.Nodes.ToList())
        {
            if (HardPatterns.MatchRelu6OfXPlus3(g, clip) is not { } relu6) continue;
            var (add, x) = relu6;
            var scale = SoleConsumer(g, clip.Output[0]);
            if (!HardPatterns.IsDivideBySix(g, scale, clip.Output[0])) continue;
            g.AddNode(Node("HardSigmoid", g.UniqueName("HardSigmoid"), [x], [scale!.Output[0]],
                Float("alpha", HardPatterns.Alpha), Float("beta", HardPatterns.Beta)));
            RemoveReplaced(g, [add, clip, scale!]);
            fused++;
        }
        if (fused == 0) return 0;
        g.SortTopologically();
        return fused;
    }
}
