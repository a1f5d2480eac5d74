using Quanta.Quantization.Ops;

namespace Quanta.Quantization;

/// <summary>The operator types static quantization supports, and who plans each. Adding an op is one line here.</summary>
internal static class OpRegistry
{
    static readonly IOpQuantizer Conv = new ConvQuantizer();
    static readonly IOpQuantizer Elementwise = new ElementwiseQuantizer();
    static readonly IOpQuantizer Unary = new UnaryQuantizer();
    static readonly IOpQuantizer PassThrough = new PassThroughQuantizer();
    static readonly IOpQuantizer Fusion = new ActivationFusion();

    static readonly Dictionary<string, IOpQuantizer> ByOpType = new()
    {
        ["Conv"] = Conv,
        ["ConvTranspose"] = Conv,
        ["Gemm"] = new GemmQuantizer(),
        ["MatMul"] = new MatMulQuantizer(),
        ["Add"] = Elementwise,
        ["Mul"] = Elementwise,
        ["Concat"] = Elementwise,
        ["AveragePool"] = Unary,
        ["GlobalAveragePool"] = Unary,
        ["Sigmoid"] = Unary,
        ["Relu"] = Fusion,
        ["Clip"] = Fusion,
        ["MaxPool"] = PassThrough,
        ["GlobalMaxPool"] = PassThrough,
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
}
