namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Weight-only quantization of MatMul/Gemm weights in blocks of <see cref="BlockSize"/> input
/// rows, <see cref="Bits"/> bits each; activations stay float. GPTQ needs calibration data.
/// </summary>
public sealed record WeightOnlyOptions
{
    public int Bits { get; init; } = 4;
    public int BlockSize { get; init; } = 32;
    public WeightOnlyAlgorithm Algorithm { get; init; } = WeightOnlyAlgorithm.Rtn;
    /// <summary>Symmetric blocks (zero point fixed at 2^(bits−1)); asymmetric (default) fits each block's min and max.</summary>
    public bool Symmetric { get; init; }
    public WeightOnlyFormat Format { get; init; } = WeightOnlyFormat.MatMulNBits;
    /// <summary>MatMul and Gemm weights; Gather: large constant tables (embeddings) in the same bits and blocks.</summary>
    public string[] OpTypes { get; init; } = ["MatMul", "Gemm", "Gather"];
    public string[] Exclude { get; init; } = [];
    /// <summary>GPTQ: dampening added to H's diagonal, as a fraction of its mean diagonal.</summary>
    public double GptqDamp { get; init; } = 0.01;
    public int CalibCount { get; init; } = 128;
    public int CalibBatch { get; init; } = 32;
    public int Seed { get; init; }
    /// <summary>HQQ: shrinkage iterations per block (stops early once the error stops falling).</summary>
    public int HqqIterations { get; init; } = 20;
    /// <summary>Layers kept at 8 bits while the rest get <see cref="Bits"/>: node names or <c>*</c> patterns.</summary>
    public string[] Keep8Bit { get; init; } = [];
    /// <summary>
    /// MatMulNBits' <c>accuracy_level</c>: the precision ONNX Runtime computes in — 0 unset (float), 1 float32,
    /// 2 float16, 3 bfloat16, 4 int8: activations rounded to int8 per block at run time, integer dot products.
    /// 4 by default, as ONNX Runtime GenAI's builder writes CPU models and as ONNX Runtime itself fuses a
    /// blocked DequantizeLinear → MatMul: 1.7× faster per token and 1.3× per 128-token prompt than float compute
    /// on a 2-core x86 CPU at the same perplexity (BENCHMARKS.md); 0 keeps the file's float semantics exactly.
    /// </summary>
    public int AccuracyLevel { get; init; } = 4;
    /// <summary>Also keep at 8 bits the layer that makes a model output (lm_head) and the worst-ranked by <see cref="Keep8BitSelector"/>.</summary>
    public bool Keep8BitAuto { get; init; }

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Bits is not (2 or 3 or 4 or 8)) problems.Add($"{nameof(Bits)}: expected 2, 3, 4 or 8, got {Bits}");
        if (BlockSize < 16 || (BlockSize & (BlockSize - 1)) != 0) problems.Add($"{nameof(BlockSize)}: expected a power of two ≥ 16 (32, 64, 128), got {BlockSize}");
        if (Algorithm == WeightOnlyAlgorithm.Hqq && Symmetric) problems.Add($"{nameof(Algorithm)} hqq optimises zero points: it needs asymmetric weights ({nameof(Symmetric)} false)");
        foreach (var op in OpTypes)
            if (op is not ("MatMul" or "Gemm" or "Gather")) problems.Add($"{nameof(OpTypes)}: weight-only quantization supports MatMul, Gemm and Gather, not '{op}'");
        if (GptqDamp is <= 0 or >= 1) problems.Add("GPTQ dampening must be in (0, 1)");
        if (CalibCount < 1) problems.Add($"{nameof(CalibCount)} must be at least 1, got {CalibCount}");
        if (HqqIterations < 1) problems.Add("HQQ iterations must be at least 1");
        if (AccuracyLevel is < 0 or > 4) problems.Add($"{nameof(AccuracyLevel)}: expected 0 (float), 1 (float32), 2 (float16), 3 (bfloat16) or 4 (int8, the default), got {AccuracyLevel}");
        return problems;
    }

    /// <summary>
    /// Tables take the layers' bits and blocks, with RTN (GPTQ needs a layer input, HQQ's fractional
    /// zero points do not fit GatherBlockQuantized); 2- and 3-bit layers keep 4-bit tables, as embeddings are
    /// where low bits hurt most and ONNX Runtime's GatherBlockQuantized is 4- or 8-bit.
    /// </summary>
    internal Embedding.EmbeddingSettings Embeddings => new(Bits is 2 or 3 ? 4 : Bits, BlockSize, Symmetric, StandardOps: Format == WeightOnlyFormat.Qdq, AccuracyLevel);

    public string Describe() =>
        $"weight-only, {Bits}-bit {(Symmetric ? "symmetric" : "asymmetric")} blocks of {BlockSize}, {OptionNames.Of(Algorithm)}, " +
        $"format {OptionNames.Of(Format)}{Keep8BitText}, {ActivationText}";

    string ActivationText => (Format, AccuracyLevel) switch
    {
        (WeightOnlyFormat.MatMulNBits, 4) => "activations rounded to int8 per block at run time (accuracy level 4; 0 for float)",
        (WeightOnlyFormat.MatMulNBits, > 0) => $"activations float (accuracy level {AccuracyLevel})",
        _ => "activations float",
    };

    string Keep8BitText => !Keep8BitAuto && Keep8Bit.Length == 0 ? ""
        : $", 8-bit {string.Join(", ", (Keep8BitAuto ? ["auto"] : Array.Empty<string>()).Concat(Keep8Bit))}";

    /// <summary>Calibration is read for GPTQ and AWQ (and, when given, ranks layers for <see cref="Keep8BitAuto"/>).</summary>
    public bool NeedsCalibration => Algorithm is WeightOnlyAlgorithm.Gptq or WeightOnlyAlgorithm.Awq;
}
