using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Quanta.Data;

/// <summary>Element types Quanta reads from .npy: the ones image and label arrays come in.</summary>
internal enum NpyType { UInt8, Int32, Int64, Float32, Float64, Bool }

/// <summary>
/// The header of one .npy array (format versions 1–3): dtype, shape, and where the data starts.
/// Only C-order little-endian data is accepted, so a sample is a contiguous run of bytes.
/// </summary>
internal sealed partial class NpyHeader
{
    public NpyType Type { get; }
    public long[] Shape { get; }
    public int DataOffset { get; }
    public int ItemSize => Type switch { NpyType.UInt8 or NpyType.Bool => 1, NpyType.Int32 or NpyType.Float32 => 4, _ => 8 };
    public bool IsFloat => Type is NpyType.Float32 or NpyType.Float64;
    public bool IsInteger => !IsFloat;

    NpyHeader(NpyType type, long[] shape, int offset) { Type = type; Shape = shape; DataOffset = offset; }

    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    public long DataBytes => ElementCount * ItemSize;

    /// <summary>Reads the header from the start of <paramref name="stream"/>, leaving it at the first data byte.</summary>
    public static NpyHeader Read(Stream stream, string what)
    {
        Span<byte> pre = stackalloc byte[10];
        DataStreams.ReadExactly(stream, pre, what);
        if (pre[0] != 0x93 || !pre.Slice(1, 5).SequenceEqual("NUMPY"u8))
            throw QuantaException.BadInput($"{what}: not a .npy array (bad magic)");
        int major = pre[6];
        int headerLength, prefix;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre.Slice(8, 2));
            prefix = 10;
        }
        else if (major is 2 or 3)
        {
            // Versions 2 and 3 widen the header length to 4 bytes: two more to read.
            Span<byte> length = stackalloc byte[4];
            pre.Slice(8, 2).CopyTo(length);
            DataStreams.ReadExactly(stream, length.Slice(2), what);
            headerLength = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(length), int.MaxValue);
            prefix = 12;
        }
        else throw QuantaException.BadInput($"{what}: unsupported .npy format version {major}.{pre[7]}");
        if (headerLength > 1 << 20) throw QuantaException.BadInput($"{what}: .npy header of {headerLength} bytes is implausible");

        var headerBytes = new byte[headerLength];
        DataStreams.ReadExactly(stream, headerBytes, what);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        return Parse(header, prefix + headerLength, what);
    }

    static NpyHeader Parse(string header, int offset, string what)
    {
        var descr = DescrRx().Match(header);
        var fortran = FortranRx().Match(header);
        var shape = ShapeRx().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw QuantaException.BadInput($"{what}: malformed .npy header {header.Trim()}");
        if (fortran.Groups[1].Value == "True")
            throw QuantaException.BadInput($"{what}: Fortran-order array; save it in C order (numpy.ascontiguousarray)");

        var type = descr.Groups[1].Value switch
        {
            "|u1" or "<u1" => NpyType.UInt8,
            "|b1" => NpyType.Bool,
            "<i4" => NpyType.Int32,
            "<i8" => NpyType.Int64,
            "<f4" => NpyType.Float32,
            "<f8" => NpyType.Float64,
            var d => throw QuantaException.BadInput($"{what}: unsupported dtype '{d}' (supported: <f4 <f8 |u1 <i4 <i8 |b1)"),
        };

        var dims = new List<long>();
        foreach (var part in shape.Groups[1].Value.Split(','))
        {
            var t = part.Trim().TrimEnd('L');
            if (t.Length == 0) continue;
            if (!long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d))
                throw QuantaException.BadInput($"{what}: bad shape ({shape.Groups[1].Value}) in the .npy header");
            dims.Add(d);
        }
        return new NpyHeader(type, [.. dims], offset);
    }

    /// <summary>Converts raw little-endian elements to float (values as they are, no scaling).</summary>
    public void ToFloat(ReadOnlySpan<byte> raw, Span<float> destination)
    {
        switch (Type)
        {
            case NpyType.Float32:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(destination);
                break;
            case NpyType.Float64:
                System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<double, float>(MemoryMarshal.Cast<byte, double>(raw), destination);
                break;
            case NpyType.UInt8 or NpyType.Bool:
                for (int i = 0; i < raw.Length; i++) destination[i] = raw[i];
                break;
            case NpyType.Int32:
                System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<int, float>(MemoryMarshal.Cast<byte, int>(raw), destination);
                break;
            case NpyType.Int64:
                var longs = MemoryMarshal.Cast<byte, long>(raw);
                for (int i = 0; i < longs.Length; i++) destination[i] = longs[i];
                break;
        }
    }

    /// <summary>Reads integer elements (labels) as long.</summary>
    public long IntegerAt(ReadOnlySpan<byte> raw, long index) => Type switch
    {
        NpyType.UInt8 or NpyType.Bool => raw[(int)index],
        NpyType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw.Slice((int)index * 4)),
        NpyType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw.Slice((int)index * 8)),
        _ => throw new InvalidOperationException("not an integer array"),
    };

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRx();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRx();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRx();
}
