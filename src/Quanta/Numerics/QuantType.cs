using Quanta.Onnx;

namespace Quanta.Numerics;

/// <summary>An integer type a tensor can be quantized to.</summary>
public enum QuantType { UInt8, Int8, UInt16, Int16, UInt4, Int4, Int32 }

public static class QuantTypeInfo
{
    public static int Bits(this QuantType t) => t switch
    {
        QuantType.UInt8 or QuantType.Int8 => 8,
        QuantType.UInt16 or QuantType.Int16 => 16,
        QuantType.UInt4 or QuantType.Int4 => 4,
        _ => 32,
    };

    public static bool IsSigned(this QuantType t) => t is QuantType.Int8 or QuantType.Int16 or QuantType.Int4 or QuantType.Int32;

    /// <summary>Smallest representable value of the full range.</summary>
    public static int Min(this QuantType t) => t.IsSigned() ? (t == QuantType.Int32 ? int.MinValue : -(1 << (t.Bits() - 1))) : 0;

    /// <summary>Largest representable value of the full range.</summary>
    public static int Max(this QuantType t) => t switch
    {
        QuantType.Int32 => int.MaxValue,
        _ when t.IsSigned() => (1 << (t.Bits() - 1)) - 1,
        _ => (1 << t.Bits()) - 1,
    };

    public static int OnnxDataType(this QuantType t) => t switch
    {
        QuantType.UInt8 => DataTypes.UInt8,
        QuantType.Int8 => DataTypes.Int8,
        QuantType.UInt16 => DataTypes.UInt16,
        QuantType.Int16 => DataTypes.Int16,
        QuantType.UInt4 => DataTypes.UInt4,
        QuantType.Int4 => DataTypes.Int4,
        _ => DataTypes.Int32,
    };

    public static string Name(this QuantType t) => t.ToString().ToLowerInvariant();

    /// <summary>The types a recipe may ask for, by the names users type (Int32 is only a bias container).</summary>
    public static IReadOnlyList<string> Names { get; } = ["uint8", "int8", "uint16", "int16", "uint4", "int4"];

    /// <summary>A type by its name or short alias (u8, s8/i8, …); false for anything else.</summary>
    public static bool TryParse(string name, out QuantType type)
    {
        QuantType? found = name.ToLowerInvariant() switch
        {
            "uint8" or "u8" => QuantType.UInt8,
            "int8" or "s8" or "i8" => QuantType.Int8,
            "uint16" or "u16" => QuantType.UInt16,
            "int16" or "s16" or "i16" => QuantType.Int16,
            "uint4" or "u4" => QuantType.UInt4,
            "int4" or "s4" or "i4" => QuantType.Int4,
            _ => null,
        };
        type = found.GetValueOrDefault();
        return found is not null;
    }

    public static QuantType Parse(string name) => TryParse(name, out var type)
        ? type
        : throw QuantaException.BadInput($"unknown quantized type '{name}' (expected {string.Join(", ", Names)})");
}
