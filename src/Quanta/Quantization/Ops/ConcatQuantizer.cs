using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>
/// Concat of quantized activations: inputs and output share one scale, whose range covers every
/// input (they are its parts), so the Concat runs on the integers as a copy instead of requantizing
/// each input (ONNX Runtime drops the Q/DQ pairs, or QLinearConcat takes its fast path). A float or
/// constant input leaves it float: quantizing that input only for the Concat would add a round trip.
/// </summary>
sealed class ConcatQuantizer : IOpQuantizer
{
    public OpKind Kind => OpKind.PassThrough;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        var inputs = node.Input.Where(i => i.Length > 0).ToList();
        if (inputs.Any(i => plan.IsConstant(i) || !plan.IsQuantizedActivation(i)))
        {
            plan.KeepFloat("an input is not quantized");
            return false;
        }
        plan.Output(node.Output[0]);
        string common = plan.IsQuantizedActivation(node.Output[0]) ? node.Output[0] : inputs[0];
        foreach (var input in inputs) plan.ShareScale(input, common);
        return true;
    }
}
