namespace Quanta.Numerics;

/// <summary>
/// Sub-byte packing as ONNX defines it for int4/uint4: two elements per byte,
/// the first element in the low nibble; an odd count leaves the last high nibble zero.
/// </summary>
internal static class Packing
{
    public static byte[] PackInt4(ReadOnlySpan<int> values)
    {
        var packed = new byte[(values.Length + 1) / 2];
        for (int i = 0; i < values.Length; i++)
        {
            int nibble = values[i] & 0x0F;
            packed[i >> 1] |= (byte)((i & 1) == 0 ? nibble : nibble << 4);
        }
        return packed;
    }

    public static void UnpackInt4(ReadOnlySpan<byte> packed, Span<int> values, bool signed)
    {
        for (int i = 0; i < values.Length; i++)
        {
            int nibble = (i & 1) == 0 ? packed[i >> 1] & 0x0F : packed[i >> 1] >> 4;
            values[i] = signed && nibble >= 8 ? nibble - 16 : nibble;
        }
    }
}
