using Quanta.Onnx.Proto;
using Quanta.Quantization.Embedding;

namespace Quanta.Quantization.Ops;

/// <summary>
/// Gather. Over a large constant table (an embedding, <see cref="EmbeddingTable.MinElements"/> or
/// more) the table is a weight, one scale per row (axis 0) whatever <c>--per-channel</c> says, so
/// the file stores it as integers behind a DequantizeLinear; the looked-up rows get no Q/DQ of
/// their own beyond what their readers ask for. Over an activation it passes its input's
/// parameters through, like Reshape.
/// </summary>
sealed class GatherQuantizer : IOpQuantizer
{
    static readonly PassThroughQuantizer PassThrough = new();

    public OpKind Kind => OpKind.PassThrough;

    public bool Annotate(NodeProto node, PlanBuilder plan)
    {
        if (!IsTableLookup(node, plan)) return PassThrough.Annotate(node, plan);
        // Nothing multiplies the table's integers, so the 7-bit range that guards u8×s8 kernels is not needed.
        plan.Weight(node.Input[0], 0, plan.WeightSpec with { ReduceRange = false }, perChannel: true);
        return true;
    }

    static bool IsTableLookup(NodeProto node, PlanBuilder plan)
    {
        var table = plan.Graph.Initializer(node.Input[0]);
        return table is not null && !plan.Graph.IsGraphInput(node.Input[0]) && table.Dims.Count == 2
            && Onnx.Tensors.ElementCount(table) >= EmbeddingTable.MinElements && plan.IsFloat(node.Input[0])
            && (node.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 0) == 0;
    }
}
