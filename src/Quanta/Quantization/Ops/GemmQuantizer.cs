using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>
/// Gemm: A activation, B weight per output column, 1-D C as int32 bias, output activation. With A float
/// (after a LayerNorm, or a model's input) and B a constant, it is quantized dynamically instead, as MatMul is.
/// </summary>
sealed class GemmQuantizer : IOpQuantizer
{
    public OpKind Kind => OpKind.Compute;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        if (plan.Attribute(node, "transA", 0) != 0)
        {
            plan.KeepFloat("transA is not supported by integer Gemm kernels");
            return false;
        }
        if (plan.IsConstant(node.Input[1]) && plan.Graph.Initializer(node.Input[1])!.Dims.Count == 2 && plan.IsFloat(node.Input[1])
            && plan.CanRunDynamic(node.Input[0]))
        {
            plan.RunDynamic();
            return false;
        }
        plan.Activation(node.Input[0]);
        if (plan.IsConstant(node.Input[1]))
            plan.Weight(node.Input[1], plan.Attribute(node, "transB", 0) != 0 ? 0 : 1);
        else plan.Activation(node.Input[1]);
        bool plainScale = node.Attribute.All(a => a.Name is not ("alpha" or "beta") || a.F == 1f);
        if (node.Input.Count > 2 && plan.IsConstant(node.Input[2]) && plainScale && plan.IsConstant(node.Input[1])
            && plan.Graph.Initializer(node.Input[2])!.Dims.Count == 1)
            plan.Bias(node.Input[2], node.Input[0], node.Input[1]);
        plan.Output(node.Output[0]);
        return true;
    }
}
