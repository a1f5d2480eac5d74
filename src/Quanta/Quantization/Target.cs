using System.Text.Json;
using System.Text.Json.Serialization;
using Quanta.Numerics;

namespace Quanta.Quantization;

/// <summary>
/// A kind of machine the quantized model will run on, and the defaults that are both
/// accurate and fast there.
/// </summary>
/// <param name="ReduceRangeInt8Weights">Use 7-bit int8 weights: ONNX Runtime's u8×s8 kernels on x86
/// without VNNI add pairs of products in saturating 16-bit lanes (vpmaddubsw), which full-range
/// weights overflow.</param>
[JsonConverter(typeof(TargetJsonConverter))]
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

    /// <summary>The target named <paramref name="name"/> (any case), or null.</summary>
    public static Target? Find(string name) => All.FirstOrDefault(t => t.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>"x86-avx2, x86-vnni, arm64 or generic": the names, for messages.</summary>
    public static string Expected => OptionNames.Expected(All.Select(t => t.Name).ToList());
}

/// <summary>Reads and writes a <see cref="Target"/> by its name, as recipes and the command line spell it.</summary>
public sealed class TargetJsonConverter : JsonConverter<Target>
{
    public override Target Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text is not null && Targets.Find(text) is { } target ? target : throw new JsonException($"unknown target '{text}' (expected {Targets.Expected})");
    }

    public override void Write(Utf8JsonWriter writer, Target value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
