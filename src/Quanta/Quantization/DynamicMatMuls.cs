using Quanta.IR;
using Quanta.Quantization.Dynamic;

namespace Quanta.Quantization;

/// <summary>
/// Rewrites the MatMul/Gemm nodes the plan chose to quantize dynamically (<see cref="QuantPlan.Dynamic"/>)
/// inside the static model, with the same per-op rewrites as <c>--mode dynamic</c>: weights stored as
/// integers, the float input quantized at run time.
/// </summary>
static class DynamicMatMuls
{
    static readonly IDynamicOp[] Ops = [new DynamicLinear("MatMul"), new DynamicLinear("Gemm")];

    public static void Apply(Model model, QuantPlan plan)
    {
        if (plan.Dynamic.Count == 0) return;
        var root = model.Graph;
        bool usesMsDomain = false;
        foreach (var d in plan.Dynamic)
        {
            var g = root.DefiningScope(d.Output) ?? root;
            if (g.Producer(d.Output) is not { } node || node.OpType != d.OpType) continue;
            var c = new DynamicContext(g, d.Weights, d.PerChannel, d.StandardOps ? DynamicKernel.Standard : DynamicKernel.Fused);
            // The planner checked what the rewrite needs (a constant 2-D weight, a float input); a refusal leaves it float.
            Array.Find(Ops, o => o.OpType == node.OpType)!.Rewrite(node, c);
            usesMsDomain |= c.UsesMsDomain;
        }
        if (usesMsDomain && model.Opset("com.microsoft") == 0) model.SetOpset("com.microsoft", 1);
        if (model.Opset() < 11) model.SetOpset("", 11); // DynamicQuantizeLinear
    }
}
