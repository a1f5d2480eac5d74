using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>
    /// Packs codes of 0…15 two per byte, the first in the low nibble: <c>packed[j] = codes[2j] | codes[2j+1] &lt;&lt; 4</c>
    /// (an odd count leaves the last high nibble zero). SIMD over 32 bytes at a time: this runs over every weight
    /// of a 4-bit model. Each pair read as one little-endian ushort <c>u = lo | hi &lt;&lt; 8</c> gives
    /// <c>(u | u &gt;&gt; 4)</c>'s low byte <c>= lo | hi &lt;&lt; 4</c>.
    /// </summary>
    public static void PackNibbles(ReadOnlySpan<byte> codes, Span<byte> packed)
    {
        int pairs = codes.Length / 2, j = 0;
        var u = MemoryMarshal.Cast<byte, ushort>(codes[..(pairs * 2)]);
        if (Vector256.IsHardwareAccelerated)
        {
            ref ushort source = ref MemoryMarshal.GetReference(u);
            ref byte target = ref MemoryMarshal.GetReference(packed);
            for (; j <= pairs - 32; j += 32)
            {
                var a = Vector256.LoadUnsafe(ref source, (nuint)j);
                var b = Vector256.LoadUnsafe(ref source, (nuint)(j + 16));
                Vector256.Narrow(a | (a >> 4), b | (b >> 4)).StoreUnsafe(ref target, (nuint)j);
            }
        }
        for (; j < pairs; j++) packed[j] = (byte)(u[j] | u[j] >> 4);
        if (codes.Length % 2 == 1) packed[pairs] = codes[^1];
    }
}
