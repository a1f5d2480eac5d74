using Quanta.Numerics;

namespace Quanta.Quantization;

/// <summary>
/// A kind of machine the quantized model will run on, and the defaults that are both
/// accurate and fast there.
/// </summary>
/// <param name="ReduceRangeInt8Weights">Use 7-bit int8 weights: ONNX Runtime's u8×s8 kernels on x86
/// without VNNI add pairs of products in saturating 16-bit lanes (vpmaddubsw), which full-range
/// weights overflow.</param>
public sealed record Target(string Name, string Description, QuantType ActivationType, QuantType WeightType, bool ReduceRangeInt8Weights);

public static class Targets
{
    public static readonly Target X86Avx2 = new("x86-avx2", "x86-64 without VNNI (u8×s8 kernels saturate)", QuantType.UInt8, QuantType.Int8, true);
    public static readonly Target X86Vnni = new("x86-vnni", "x86-64 with AVX-VNNI or AVX512-VNNI", QuantType.UInt8, QuantType.Int8, false);
    public static readonly Target Arm64 = new("arm64", "64-bit Arm (dot-product kernels, no saturation)", QuantType.UInt8, QuantType.Int8, false);
    public static readonly Target Generic = new("generic", "unknown runtime: the safe choice everywhere", QuantType.UInt8, QuantType.Int8, true);

    public static IReadOnlyList<Target> All { get; } = [X86Avx2, X86Vnni, Arm64, Generic];

    public static Target For(Runtime.Hardware hw) => hw.Architecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => Arm64,
        System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.X86 => hw.SaturatesU8S8 ? X86Avx2 : X86Vnni,
        _ => Generic,
    };

    public static Target Parse(string name) =>
        All.FirstOrDefault(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw QuantaException.BadInput($"--target: unknown target '{name}' (expected {string.Join(", ", All.Select(t => t.Name))})");
}
