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

    /// <summary>What an integer form of the op buys; the planner places Q/DQ by it (see <see cref="OpKind"/>).</summary>
    OpKind Kind { get; }
}

/// <summary>
/// How an op takes part in an integer region, which decides where Q/DQ pay for themselves on
/// ONNX Runtime's CPU provider: integer kernels are the reason to quantize, the rest only carries
/// integers between them.
/// </summary>
public enum OpKind
{
    /// <summary>A weighted integer kernel (QLinearConv, QLinearMatMul, QGemm): the reason to enter int8.</summary>
    Compute,
    /// <summary>
    /// Arithmetic with its own output range (Add, Mul, pools, Sigmoid): worth an integer kernel only
    /// between quantized ops; at the model's tail (a detection head's box decoding) float is faster
    /// than a requantization per op.
    /// </summary>
    Arithmetic,
    /// <summary>
    /// Moves or selects values without computing new ones (Reshape, Transpose, MaxPool, Concat, …): the
    /// output shares its input's scale, so runtimes drop the DQ → op → Q pair and run it on the integers.
    /// </summary>
    PassThrough,
    /// <summary>Folded into its producer's output quantization (Relu, Clip).</summary>
    Fusion,
}
