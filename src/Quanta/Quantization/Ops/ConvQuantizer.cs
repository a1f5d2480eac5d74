using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>Conv (incl. grouped/depthwise) and ConvTranspose: activation in, weight per output channel, int32 bias, activation out.</summary>
sealed class ConvQuantizer : IOpQuantizer
{
    public OpKind Kind => OpKind.Compute;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        if (node.Input.Count < 2 || !plan.IsConstant(node.Input[1]))
        {
            plan.KeepFloat("weight is not a constant");
            return false;
        }
        // Output channels are axis 0 of a Conv weight [M, C/g, k…] and axis 1 of a ConvTranspose weight [C, M/g, k…].
        int axis = node.OpType == "ConvTranspose" ? 1 : 0;
        if (node.OpType == "ConvTranspose" && plan.Attribute(node, "group", 1) != 1) axis = -1;
        plan.Activation(node.Input[0]);
        plan.Weight(node.Input[1], axis >= 0 ? axis : null);
        if (node.Input.Count > 2 && plan.IsConstant(node.Input[2])) plan.Bias(node.Input[2], node.Input[0], node.Input[1]);
        plan.Output(node.Output[0]);
        return true;
    }
}
