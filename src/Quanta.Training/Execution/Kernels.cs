using static Quanta.Training.Execution.Scalars;
using static TorchSharp.torch;

namespace Quanta.Training.Execution;

/// <summary>Runs one ONNX node on torch tensors; returns the node's outputs in order.</summary>
internal delegate Tensor[] Kernel(NodeArgs a);

/// <summary>
/// The ONNX operators the trainable module executes, one entry per op type (adding an op is one
/// line here plus its function). Semantics follow the ONNX operator definitions (opset ≥ 13,
/// which Normalize guarantees); everything is differentiable where the op is. Numbers go to libtorch
/// as cached <see cref="Scalars"/> (tensor + as <c>add(…, One)</c>): forward passes run on several threads.
/// </summary>
internal static partial class Kernels
{
    static readonly Dictionary<string, Kernel> ByOpType = new()
    {
        // neural-network ops (Kernels.Nn.cs)
        ["Conv"] = Conv,
        ["Gemm"] = Gemm,
        ["MatMul"] = a => [a[0].matmul(a[1])],
        ["MaxPool"] = MaxPool,
        ["AveragePool"] = AveragePool,
        ["GlobalAveragePool"] = a => [a[0].mean(Enumerable.Range(2, (int)a[0].dim() - 2).Select(i => (long)i).ToArray(), keepdim: true)],
        ["GlobalMaxPool"] = a => [a[0].amax(Enumerable.Range(2, (int)a[0].dim() - 2).Select(i => (long)i).ToArray(), keepdim: true)],
        ["BatchNormalization"] = BatchNorm,
        ["LayerNormalization"] = LayerNorm,
        ["Softmax"] = a => [a[0].softmax(a.Int("axis", -1))],
        ["Relu"] = a => [nn.functional.relu(a[0])],
        ["Clip"] = Clip,
        ["Sigmoid"] = a => [a[0].sigmoid()],
        ["Tanh"] = a => [a[0].tanh()],
        ["HardSigmoid"] = a => [a[0].mul(Of(a.Float("alpha", 0.2f))).add(Of(a.Float("beta", 0.5f)), One).clamp(Zero, One)],
        ["HardSwish"] = a => [a[0] * a[0].div(Of(6f)).add(Of(0.5f), One).clamp(Zero, One)],
        ["Erf"] = a => [a[0].erf()],
        ["Sqrt"] = a => [a[0].sqrt()],
        ["Exp"] = a => [a[0].exp()],
        ["Neg"] = a => [a[0].neg()],
        ["Pow"] = a => [a[0].pow(a[1])],
        ["Dropout"] = a => [a[0]],
        ["Identity"] = a => [a[0]],
        // element-wise arithmetic and logic (Kernels.Elementwise.cs)
        ["Add"] = a => [a[0].add(a[1], One)],
        ["Sub"] = a => [a[0].sub(a[1])],
        ["Mul"] = a => [a[0] * a[1]],
        ["Div"] = Div,
        ["Mod"] = Mod,
        ["Equal"] = a => [a[0].eq(a[1])],
        ["Where"] = a => [where(a[0], a[1], a[2])],
        ["Cast"] = a => [a[0].to_type(TensorConvert.FromOnnx(a.Int("to", 1)))],
        ["ReduceMean"] = ReduceMean,
        // shape and indexing (Kernels.Shape.cs)
        ["Flatten"] = Flatten,
        ["Reshape"] = Reshape,
        ["Transpose"] = Transpose,
        ["Concat"] = a => [cat(a.Inputs.Where(t => t is not null).Select(t => t!).ToArray(), a.Int("axis", 0))],
        ["Slice"] = Slice,
        ["Gather"] = Gather,
        ["Unsqueeze"] = Unsqueeze,
        ["Squeeze"] = Squeeze,
        ["Shape"] = Shape,
        ["Expand"] = Expand,
        ["ConstantOfShape"] = ConstantOfShape,
        ["Constant"] = a => [TensorConvert.FromProto(a.TensorAttr("value") ?? throw new NotSupportedException("Constant without a tensor 'value'"))],
    };

    public static IReadOnlyCollection<string> Supported => ByOpType.Keys;

    public static Kernel? For(string domain, string opType) =>
        domain is "" or "ai.onnx" ? ByOpType.GetValueOrDefault(opType) : null;
}
