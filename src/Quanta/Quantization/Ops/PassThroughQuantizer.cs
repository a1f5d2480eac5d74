using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>
/// Ops that move or select values without computing new ones (MaxPool, Reshape, Transpose, …).
/// When their input is quantized, the output shares its parameters, so runtimes drop the
/// surrounding Q/DQ pair and run the op on integers. A float input leaves them float.
/// </summary>
/// <param name="integerKernel">
/// ONNX Runtime runs the op itself on uint8/int8 tensors, so QOperator lowering may drop its Q/DQ pair
/// (GlobalMaxPool has a float kernel only: its Q/DQ stay, though its output still shares the scale).
/// </param>
sealed class PassThroughQuantizer(bool integerKernel = true) : IOpQuantizer
{
    public OpKind Kind => OpKind.PassThrough;

    public bool IntegerKernel => integerKernel;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        if (!plan.IsQuantizedActivation(node.Input[0]))
        {
            plan.KeepFloat("input is not quantized");
            return false;
        }
        // Split's outputs are all slices of the input; the other ops' extra outputs (MaxPool's indices) are not values.
        var outputs = node.OpType == "Split" ? node.Output.ToList() : [node.Output[0]];
        foreach (var output in outputs)
            if (output.Length > 0) plan.SameAs(output, node.Input[0]);
        return true;
    }
}
