using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>
/// Knows what quantizing one operator type needs — which inputs are activations, which are
/// weights (and their channel axis), which is a bias, whether the output is quantized — and
/// only declares it on the <see cref="PlanBuilder"/>. Emitting Q/DQ nodes is a later, shared
/// step, so supporting a new operator is one small class and one registry line.
/// </summary>
internal interface IOpQuantizer
{
    /// <summary>Declares the node's needs; returns false (after <see cref="PlanBuilder.KeepFloat"/>) to leave it float.</summary>
    bool Annotate(NodeProto node, PlanBuilder plan);
}
