namespace Quanta.Quantization.Float16;

/// <summary>
/// Conversion to float16 or bfloat16. Ops in <see cref="OpBlockList"/> (added to the defaults)
/// and ops ONNX Runtime has no kernel for at that precision stay float, with Casts around them.
/// <see cref="WeightsOnly"/> stores the weights at 16 bits and casts each back to float once,
/// so the file shrinks and the computation does not change.
/// </summary>
public sealed record Float16Options
{
    public LowPrecision Precision { get; init; } = LowPrecision.Float16;
    /// <summary>Keep the model's float32 inputs and outputs (Casts at the boundary).</summary>
    public bool KeepIoTypes { get; init; } = true;
    public bool WeightsOnly { get; init; }
    public string[] OpBlockList { get; init; } = [];

    /// <summary>
    /// Kept float whatever the kernels: ops whose float inputs are coordinates or sizes (Resize,
    /// Range, ROI ops), random generators, and reductions that square or multiply many values
    /// and overflow float16's ±65504. LayerNormalization too: its variance overflows float16 for large
    /// activations, and ONNX Runtime 1.31 crashes (natively, killing the process) when its CPU graph
    /// optimizer fuses a float16 LayerNormalization in the reference ViT (unoptimized it runs).
    /// </summary>
    public static IReadOnlyList<string> DefaultBlockList { get; } =
    [
        "LayerNormalization", "Resize", "Range", "RoiAlign", "NonMaxSuppression", "RandomNormal", "RandomUniform", "RandomNormalLike",
        "RandomUniformLike", "Multinomial", "ReduceSumSquare", "ReduceL2", "ReduceProd", "ReduceLogSumExp",
    ];

    public List<string> Validate()
    {
        var problems = new List<string>();
        foreach (var op in OpBlockList)
            if (string.IsNullOrWhiteSpace(op) || op.Any(char.IsWhiteSpace)) problems.Add($"{nameof(OpBlockList)}: '{op}' is not an op type");
        return problems;
    }

    public string Describe() => WeightsOnly
        ? $"weights {Precision.Name()} (cast to float at load), compute float"
        : $"{Precision.Name()} compute and weights{(KeepIoTypes ? ", float32 inputs/outputs" : "")}" +
          $"{(OpBlockList.Length > 0 ? $", kept float: {string.Join(",", OpBlockList)}" : "")}";
}
