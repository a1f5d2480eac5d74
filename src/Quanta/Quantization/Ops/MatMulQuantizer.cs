using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>MatMul: both operands quantized (a constant right operand as a weight per output column), output activation.</summary>
sealed class MatMulQuantizer : IOpQuantizer
{
    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        plan.Activation(node.Input[0]);
        var b = plan.Graph.Initializer(node.Input[1]);
        if (b is not null)
            plan.Weight(node.Input[1], b.Dims.Count >= 2 ? b.Dims.Count - 1 : null);
        else plan.Activation(node.Input[1]);
        plan.Output(node.Output[0]);
        return true;
    }
}
