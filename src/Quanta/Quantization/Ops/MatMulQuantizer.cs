using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Ops;

/// <summary>
/// MatMul: both operands quantized (a constant right operand as a weight per output column), output activation.
/// A 2-D weight applied to a float tensor (after a LayerNorm, GELU or Softmax in a transformer block) is
/// quantized dynamically instead: ONNX Runtime's one fused kernel beats QuantizeLinear → QLinearMatMul →
/// DequantizeLinear there. Two float operands (attention scores) stay float: a Q/DQ pair on each would cost
/// more than the small product.
/// </summary>
sealed class MatMulQuantizer : IOpQuantizer
{
    public OpKind Kind => OpKind.Compute;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        var b = plan.Graph.Initializer(node.Input[1]);
        if (b is { Dims.Count: 2 } && plan.IsFloat(node.Input[1]) && plan.CanRunDynamic(node.Input[0]))
        {
            plan.RunDynamic();
            return false;
        }
        if (b is null && !plan.IsQuantizedActivation(node.Input[0]) && !plan.IsQuantizedActivation(node.Input[1]))
        {
            plan.KeepFloat("both operands are float: Q/DQ on each would cost more than the product");
            return false;
        }
        plan.Activation(node.Input[0]);
        if (b is not null)
            plan.Weight(node.Input[1], b.Dims.Count >= 2 ? b.Dims.Count - 1 : null);
        else plan.Activation(node.Input[1]);
        plan.Output(node.Output[0]);
        return true;
    }
}
