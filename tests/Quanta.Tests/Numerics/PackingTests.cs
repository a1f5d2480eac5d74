using Quanta.Numerics;

namespace Quanta.Tests.Numerics;

public class PackingTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(64)]   // exactly two SIMD steps
    [InlineData(203)]  // SIMD steps, a scalar tail and an odd last code
    public void NibblesPackAsTheScalarDefinition(int count)
    {
        var rng = new Random(count);
        var codes = new byte[count];
        for (int i = 0; i < count; i++) codes[i] = (byte)rng.Next(16);
        var packed = new byte[(count + 1) / 2];
        Packing.PackNibbles(codes, packed);
        var expected = new byte[(count + 1) / 2];
        for (int i = 0; i < count; i++) expected[i / 2] |= (byte)(i % 2 == 0 ? codes[i] : codes[i] << 4);
        Assert.Equal(expected, packed);
    }

    [Fact]
    public void Int4PacksLowNibbleFirstWithOddCountAndNegatives()
    {
        var bytes = QuantMath.ToBytes([1, -2, 7, -8, 3], QuantType.Int4);
        Assert.Equal(new byte[] { 0xE1, 0x87, 0x03 }, bytes);
        Assert.Equal(new[] { 1, -2, 7, -8, 3 }, QuantMath.FromBytes(bytes, QuantType.Int4, 5));

        var u = QuantMath.ToBytes([15, 0, 9], QuantType.UInt4);
        Assert.Equal(new byte[] { 0x0F, 0x09 }, u);
        Assert.Equal(new[] { 15, 0, 9 }, QuantMath.FromBytes(u, QuantType.UInt4, 3));
    }

    [Theory]
    [InlineData(QuantType.Int4)]
    [InlineData(QuantType.UInt4)]
    [InlineData(QuantType.Int8)]
    [InlineData(QuantType.UInt8)]
    [InlineData(QuantType.Int16)]
    [InlineData(QuantType.UInt16)]
    [InlineData(QuantType.Int32)]
    public void RoundTripsEveryType(QuantType t)
    {
        var rng = new Random((int)t);
        var q = new int[101];
        for (int i = 0; i < q.Length; i++) q[i] = (int)(t.Min() + (long)(rng.NextDouble() * ((long)t.Max() - t.Min() + 1)));
        q[0] = t.Min();
        q[1] = t.Max();
        var raw = QuantMath.ToBytes(q, t);
        Assert.Equal(t.Bits() == 4 ? 51 : 101 * t.Bits() / 8, raw.Length);
        Assert.Equal(q, QuantMath.FromBytes(raw, t, q.Length));
    }

    [Fact]
    public void MultiByteTypesAreLittleEndian()
    {
        Assert.Equal(new byte[] { 0x34, 0x12, 0xFF, 0xFF }, QuantMath.ToBytes([0x1234, -1], QuantType.Int16));
        Assert.Equal(new byte[] { 0xFF, 0xFF }, QuantMath.ToBytes([65535], QuantType.UInt16));
        Assert.Equal(new byte[] { 0x78, 0x56, 0x34, 0x12 }, QuantMath.ToBytes([0x12345678], QuantType.Int32));
        Assert.Equal(new byte[] { 0x80, 0x7F }, QuantMath.ToBytes([-128, 127], QuantType.Int8));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuantMath.ToBytes([8], QuantType.Int4));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuantMath.ToBytes([-1], QuantType.UInt8));
    }
}
