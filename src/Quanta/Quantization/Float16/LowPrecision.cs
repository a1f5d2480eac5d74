using Quanta.Onnx;

namespace Quanta.Quantization.Float16;

/// <summary>A 16-bit float type a model can be converted to.</summary>
public enum LowPrecision { Float16, BFloat16 }

internal static class LowPrecisionInfo
{
    /// <summary>Largest finite float16; constants beyond it are clamped rather than becoming ±∞.</summary>
    public const float Float16Max = 65504f;

    public static int OnnxDataType(this LowPrecision p) => p == LowPrecision.Float16 ? DataTypes.Float16 : DataTypes.BFloat16;

    public static string Name(this LowPrecision p) => p == LowPrecision.Float16 ? "float16" : "bfloat16";

    /// <summary>The 16 stored bits of <paramref name="v"/>: float16 clamped to ±65504, bfloat16 rounded to nearest even.</summary>
    public static ushort Bits(this LowPrecision p, float v)
    {
        if (p == LowPrecision.Float16)
        {
            if (float.IsFinite(v)) v = Math.Clamp(v, -Float16Max, Float16Max);
            return BitConverter.HalfToUInt16Bits((Half)v);
        }
        uint b = BitConverter.SingleToUInt32Bits(v);
        if (float.IsNaN(v)) return (ushort)((b >> 16) | 0x40);
        b += 0x7FFF + ((b >> 16) & 1);
        return (ushort)(b >> 16);
    }

    public static byte[] ToBytes(this LowPrecision p, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            ushort bits = p.Bits(values[i]);
            raw[2 * i] = (byte)bits;
            raw[2 * i + 1] = (byte)(bits >> 8);
        }
        return raw;
    }
}
