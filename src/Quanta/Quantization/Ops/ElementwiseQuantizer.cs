using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>
/// Add, Mul and other n-ary ops with integer kernels: every input and the output are activations;
/// a constant input is stored quantized per tensor with the activation type. The planner asks only
/// where the integer form pays (<see cref="IntegerReach"/>); Concat shares scales instead (<see cref="ConcatQuantizer"/>).
/// </summary>
sealed class ElementwiseQuantizer : IOpQuantizer
{
    public OpKind Kind => OpKind.Arithmetic;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        foreach (var input in node.Input)
        {
            if (input.Length == 0) continue;
            if (plan.IsConstant(input)) plan.Weight(input, axis: null, plan.ActivationSpec);
            else plan.Activation(input);
        }
        plan.Output(node.Output[0]);
        return true;
    }
}
