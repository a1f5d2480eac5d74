using Quanta.IR.Passes;
using Quanta.Onnx.Proto;

namespace Quanta.IR.Normalize;

/// <summary>
/// Brings a model whose default-domain import is opset 7–12 up to 13, the first opset with
/// per-channel QuantizeLinear/DequantizeLinear, rewriting every node whose signature changed on
/// the way (<see cref="OpUpgrades"/>). Ops this pass does not know are left as they are and
/// listed in <see cref="Unsupported"/> for the caller's summary; nodes inside subgraphs that
/// would need a rewrite are listed there too (as <c>If/Squeeze</c> etc.), not rewritten.
/// </summary>
internal sealed class UpgradeOpset : IGraphPass
{
    public const long Target = 13;
    const long Oldest = 7;

    public string Name => "UpgradeOpset";

    /// <summary>Op types of the last <see cref="Apply"/> left unrewritten because this pass does not know them.</summary>
    public IReadOnlyList<string> Unsupported { get; private set; } = [];

    /// <summary>The default-domain opset the last <see cref="Apply"/> found.</summary>
    public long FromOpset { get; private set; }

    /// <summary>Ops whose meaning does not change between opset 7 and 13 (new optional inputs or attributes with compatible defaults, wider types).</summary>
    static readonly HashSet<string> Unchanged =
    [
        "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh", "AveragePool",
        "BitShift", "Cast", "Ceil", "Celu", "Compress", "Concat", "ConcatFromSequence", "Constant", "ConstantOfShape",
        "Conv", "ConvInteger", "ConvTranspose", "Cos", "Cosh", "CumSum", "DepthToSpace", "DequantizeLinear", "Det", "Div",
        "DynamicQuantizeLinear", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "EyeLike", "Flatten", "Floor", "GRU",
        "Gather", "GatherElements", "GatherND", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "Greater",
        "GreaterOrEqual", "HardSigmoid", "Identity", "If", "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LSTM",
        "LeakyRelu", "Less", "LessOrEqual", "Log", "Loop", "LpNormalization", "LpPool", "MatMul", "MatMulInteger", "Max",
        "MaxPool", "MaxRoiPool", "MaxUnpool", "Mean", "MeanVarianceNormalization", "Min", "Mod", "Mul", "Multinomial",
        "Neg", "NonMaxSuppression", "NonZero", "Not", "OneHot", "Or", "PRelu", "Pow", "QLinearConv", "QLinearMatMul",
        "QuantizeLinear", "RNN", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Range",
        "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
        "ReduceProd", "ReduceSumSquare", "Relu", "Reshape", "ReverseSequence", "RoiAlign", "Round", "Scan",
        "ScatterElements", "ScatterND", "Selu", "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase",
        "SequenceInsert", "SequenceLength", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Softplus",
        "Softsign", "SpaceToDepth", "SplitToSequence", "Sqrt", "StringNormalizer", "Sub", "Sum", "Tan", "Tanh",
        "TfIdfVectorizer", "ThresholdedRelu", "Tile", "Transpose", "Unique", "Where", "Xor",
    ];

    public int Apply(Model model)
    {
        long from = model.Opset("");
        FromOpset = from;
        Unsupported = [];
        if (from >= Target) return 0;
        if (from < Oldest)
            throw QuantaException.BadInput($"{model.Source}: opset {from} is older than {Oldest}; convert it with onnx.version_converter first");

        var g = model.Graph;
        var unsupported = new SortedSet<string>(StringComparer.Ordinal);
        int rewrites = 0;
        // Control-flow bodies share the model's opset import, so their nodes are upgraded in their own scope too.
        foreach (var scope in g.Scopes().ToList())
            foreach (var n in scope.Nodes.ToList())
            {
                if (!NodeKit.IsDefaultDomain(n)) continue;
                if (OpUpgrades.ByOpType.TryGetValue(n.OpType, out var rewrite))
                {
                    if (rewrite(scope, n, from)) rewrites++;
                    scope.Changed();
                }
                else if (!Unchanged.Contains(n.OpType)) unsupported.Add(scope.Parent is null ? n.OpType : $"{n.OpType} (in a subgraph)");
            }
        Unsupported = unsupported.ToList();
        OpsetChanges.Raise(model, Target);
        foreach (var scope in g.Scopes().ToList()) scope.SortTopologically();
        return rewrites;
    }
}
