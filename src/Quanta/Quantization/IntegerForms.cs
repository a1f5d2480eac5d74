using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>
/// One integer operator's layout, read by both <see cref="QOperatorLowering"/> (float op → integer op) and
/// <see cref="QOperatorRaising"/> (integer op → float op): its quantized operands come first as
/// (tensor, scale, zero point) triples, except where <see cref="OutputFirst"/> puts the output's parameters first (QLinearConcat).
/// </summary>
/// <param name="Operands">Quantized operands; 0 for "every input" (Concat).</param>
/// <param name="OutputScale">Input index of the output scale (its zero point follows).</param>
/// <param name="Bias">Input index of the int32 bias, or -1.</param>
/// <param name="WeightAxis">Channel axis of a per-channel weight (operand 1), or null when the op has no weight.</param>
/// <param name="Attributes">The float node's attributes as the integer op takes them.</param>
sealed record IntegerForm(string FloatOp, string IntegerOp, string Domain, int Operands, int OutputScale, int Bias = -1,
    Func<NodeProto, int>? WeightAxis = null, Func<NodeProto, IEnumerable<AttributeProto>>? Attributes = null)
{
    public bool OutputFirst => Operands == 0;

    /// <summary>Where the integer op's (tensor, scale, zero point) triples start.</summary>
    public int[] OperandPositions(int inputCount) => OutputFirst
        ? Enumerable.Range(0, (inputCount - 2) / 3).Select(i => 2 + 3 * i).ToArray()
        : Enumerable.Range(0, Operands).Select(i => 3 * i).ToArray();
}

static class IntegerForms
{
    const string Microsoft = "com.microsoft";

    static readonly Func<NodeProto, IEnumerable<AttributeProto>> Keep = n => n.Attribute, None = _ => [];

    static readonly IntegerForm[] All =
    [
        new("Conv", "QLinearConv", "", 2, 6, Bias: 8, WeightAxis: _ => 0, Attributes: Keep),
        new("MatMul", "QLinearMatMul", "", 2, 6, WeightAxis: _ => -1, Attributes: None),
        new("Add", "QLinearAdd", Microsoft, 2, 6, Attributes: None),
        new("Mul", "QLinearMul", Microsoft, 2, 6, Attributes: None),
        new("Gemm", "QGemm", Microsoft, 2, 7, Bias: 6,
            WeightAxis: n => n.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1 ? 0 : 1,
            Attributes: n => n.Attribute.Where(a => a.Name != "beta")),
        new("GlobalAveragePool", "QLinearGlobalAveragePool", Microsoft, 1, 3,
            Attributes: _ => [new AttributeProto { Name = "channels_last", Type = AttributeProto.Types.AttributeType.Int, I = 0 }]),
        new("AveragePool", "QLinearAveragePool", Microsoft, 1, 3, Attributes: Keep),
        new("Sigmoid", "QLinearSigmoid", Microsoft, 1, 3, Attributes: None),
        new("Concat", "QLinearConcat", Microsoft, 0, 0, Attributes: Keep),
    ];

    public static readonly IReadOnlyDictionary<string, IntegerForm> ByFloatOp = All.ToDictionary(f => f.FloatOp);
    public static readonly IReadOnlyDictionary<string, IntegerForm> ByIntegerOp = All.ToDictionary(f => f.IntegerOp);

    // Ops that run directly on the integers (input and output sharing parameters) are a property of
    // their quantizer: OpRegistry.RunsOnIntegers.
}
