using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>Ops with their own integer kernels and their own output range (pools, Sigmoid): input and output activations.</summary>
sealed class UnaryQuantizer : IOpQuantizer
{
    public OpKind Kind => OpKind.Arithmetic;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        plan.Activation(node.Input[0]);
        plan.Output(node.Output[0]);
        return true;
    }
}
