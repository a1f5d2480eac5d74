using System.Text.Json.Serialization;
using Quanta.Onnx;

namespace Quanta.Numerics;

/// <summary>
/// An integer type a tensor can be quantized to, named as users type it (see <see cref="OptionNames"/>):
/// uint8, int8, uint16, int16, uint4, int4, with the short spellings u8, s8/i8, … also accepted.
/// </summary>
[JsonConverter(typeof(OptionNameJsonConverter<QuantType>))]
public enum QuantType
{
    [OptionName("uint8", "u8")] UInt8,
    [OptionName("int8", "s8", "i8")] Int8,
    [OptionName("uint16", "u16")] UInt16,
    [OptionName("int16", "s16", "i16")] Int16,
    [OptionName("uint4", "u4")] UInt4,
    [OptionName("int4", "s4", "i4")] Int4,
    /// <summary>Only a bias container: a recipe never asks for it, so it is neither parsed nor listed.</summary>
    [OptionName("int32", Internal = true)] Int32,
}

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

    public static string Name(this QuantType t) => OptionNames.Of(t);
}
