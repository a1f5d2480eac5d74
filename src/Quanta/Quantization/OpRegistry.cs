using Quanta.Quantization.Ops;

namespace Quanta.Quantization;

/// <summary>The operator types static quantization supports, and who plans each. Adding an op is one line here.</summary>
internal static class OpRegistry
{
    static readonly IOpQuantizer Conv = new ConvQuantizer();
    static readonly IOpQuantizer Elementwise = new ElementwiseQuantizer();
    static readonly IOpQuantizer Unary = new UnaryQuantizer();
    static readonly IOpQuantizer PassThrough = new PassThroughQuantizer();
    static readonly IOpQuantizer FloatKernelPassThrough = new PassThroughQuantizer(integerKernel: false);
    static readonly IOpQuantizer Fusion = new ActivationFusion();

    static readonly Dictionary<string, IOpQuantizer> ByOpType = new()
    {
        ["Conv"] = Conv,
        ["ConvTranspose"] = Conv,
        ["Gemm"] = new GemmQuantizer(),
        ["MatMul"] = new MatMulQuantizer(),
        ["Add"] = Elementwise,
        ["Mul"] = Elementwise,
        ["Concat"] = new ConcatQuantizer(),
        ["AveragePool"] = Unary,
        ["GlobalAveragePool"] = Unary,
        ["Sigmoid"] = Unary,
        ["Relu"] = Fusion,
        ["Clip"] = Fusion,
        ["MaxPool"] = PassThrough,
        ["GlobalMaxPool"] = FloatKernelPassThrough,
        ["Reshape"] = PassThrough,
        ["Flatten"] = PassThrough,
        ["Transpose"] = PassThrough,
        ["Squeeze"] = PassThrough,
        ["Unsqueeze"] = PassThrough,
        ["Resize"] = PassThrough,
        ["Slice"] = PassThrough,
        ["Split"] = PassThrough,
        ["Gather"] = new GatherQuantizer(),
    };

    public static IReadOnlyCollection<string> SupportedOpTypes => ByOpType.Keys;

    public static IOpQuantizer? For(string domain, string opType) =>
        domain is "" or "ai.onnx" ? ByOpType.GetValueOrDefault(opType) : null;

    /// <summary>
    /// A pass-through op that ONNX Runtime runs on integers with one output (MaxPool, Reshape, Transpose, Slice, …):
    /// QOperator lowering drops the DQ → op → Q pair around it, and raising restores it. The one list of such ops.
    /// </summary>
    public static bool RunsOnIntegers(string domain, string opType) =>
        For(domain, opType) is PassThroughQuantizer { IntegerKernel: true } && opType != "Split";
}
