using Quanta.Numerics;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// Dynamic quantization: weights stored as 8-bit integers ahead of time, activations quantized
/// to uint8 at run time from their own min/max (no calibration data). Null means "let the
/// target decide" (7-bit weights where ONNX Runtime's u8×s8 kernels saturate).
/// </summary>
public sealed record DynamicOptions
{
    /// <summary>Int8 (default) or UInt8.</summary>
    public QuantType WeightType { get; init; } = QuantType.Int8;
    public bool PerChannel { get; init; } = true;
    public bool SymmetricWeights { get; init; } = true;
    public bool? ReduceRange { get; init; }
    public DynamicKernel Kernel { get; init; } = DynamicKernel.Fused;
    /// <summary>Op types to quantize (MatMul, Gemm, Conv, LSTM; Gather: large constant tables, 8-bit per row).</summary>
    public string[] OpTypes { get; init; } = ["MatMul", "Gemm", "Conv", "LSTM", "Gather"];
    /// <summary>Node names or glob patterns (* and ?) kept in float.</summary>
    public string[] Exclude { get; init; } = [];
    /// <summary>Null: this machine's (see <see cref="Targets.For"/>).</summary>
    public Target? Target { get; init; }

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (WeightType is not (QuantType.Int8 or QuantType.UInt8)) problems.Add($"{nameof(WeightType)}: dynamic quantization takes int8 or uint8 weights, got {WeightType.Name()}");
        foreach (var op in OpTypes)
            if (!DynamicQuantizer.Supported.Contains(op))
                problems.Add($"{nameof(OpTypes)}: dynamic quantization supports {string.Join(", ", DynamicQuantizer.Supported)}, not '{op}'");
        return problems;
    }

    internal QuantSpec WeightSpec(Target target)
    {
        bool reduce = ReduceRange ?? (target.ReduceRangeInt8Weights && WeightType == QuantType.Int8);
        return new QuantSpec(WeightType, SymmetricWeights, reduce);
    }
}
