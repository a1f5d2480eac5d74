using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>
/// Relu and Clip right after a quantized op disappear: the producer's output is quantized with
/// the activation's range, whose lower end is 0 (or the clip minimum), and QuantizeLinear's
/// saturation clamps exactly as the activation did. This keeps Conv+Relu fusable into one
/// integer kernel. Only with asymmetric activations, where the zero point can sit at the range's start.
/// </summary>
sealed class ActivationFusion : IOpQuantizer
{
    public OpKind Kind => OpKind.Fusion;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        string input = node.Input[0];
        var producer = plan.Graph.Producer(input);
        bool fusable = plan.IsQuantizedActivation(input)
            && producer is not null
            && plan.Graph.Consumers(input).Count == 1
            && !plan.Plan.HasDependents(input) // a Concat's shared scale: folding would clip its other parts
            && !plan.Graph.IsGraphOutput(input)
            // Its output must be quantized in its place (graph outputs stay float), or the clamp would be lost.
            && !plan.Graph.IsGraphOutput(node.Output[0])
            && !plan.ActivationSpec.Symmetric
            && ClipBoundsContainZero(node, plan);
        if (!fusable)
        {
            plan.KeepFloat("not directly after a quantized op");
            return false;
        }
        plan.FuseActivation(node);
        return true;
    }

    static bool ClipBoundsContainZero(NodeProto node, PlanBuilder plan)
    {
        if (node.OpType != "Clip") return true;
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (node.Input.Count > 1 && node.Input[1].Length > 0)
        {
            if (plan.Graph.ConstantValue(node.Input[1]) is not { } t) return false;
            lo = Tensors.ToFloats(t)[0];
        }
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            if (plan.Graph.ConstantValue(node.Input[2]) is not { } t) return false;
            hi = Tensors.ToFloats(t)[0];
        }
        foreach (var a in node.Attribute)
        {
            if (a.Name == "min") lo = a.F;
            if (a.Name == "max") hi = a.F;
        }
        return lo <= 0 && hi >= 0;
    }
}
