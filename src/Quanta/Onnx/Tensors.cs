using System.Runtime.InteropServices;
using Google.Protobuf;
using Quanta.Onnx.Proto;

namespace Quanta.Onnx;

/// <summary>
/// Reading and building initializer tensors. Values stored in raw_data or in the
/// typed repeated fields are both read; tensors are always written as raw_data
/// (little-endian, the layout ONNX Runtime maps directly).
/// </summary>
internal static class Tensors
{
    public static long ElementCount(TensorProto t)
    {
        long n = 1;
        foreach (var d in t.Dims) n *= d;
        return n;
    }

    /// <summary>Bytes the tensor's values occupy (raw, external or typed fields).</summary>
    public static long ByteSize(TensorProto t)
    {
        if (t.HasRawData) return t.RawData.Length;
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
        {
            foreach (var e in t.ExternalData)
                if (e.Key == "length" && long.TryParse(e.Value, out var len)) return len;
        }
        int bits = DataTypes.BitsPerElement(t.DataType);
        return bits == 0 ? t.StringData.Sum(s => (long)s.Length) : (ElementCount(t) * bits + 7) / 8;
    }

    public static float[] ToFloats(TensorProto t)
    {
        long n = ElementCount(t);
        // Raw or on-disk bytes fill every element (their length is checked against the shape), so a
        // streamed layer's weight is not zeroed first: that was a pass over hundreds of MB per model.
        bool filled = HasBytes(t) && (t.DataType == DataTypes.Float || (t.DataType is DataTypes.Float16 or DataTypes.BFloat16 && ExternalData.IsOnDisk(t)));
        var result = filled ? GC.AllocateUninitializedArray<float>(checked((int)n)) : new float[n];
        switch (t.DataType)
        {
            case DataTypes.Float:
                if (HasBytes(t)) CopyRaw(t, MemoryMarshal.AsBytes(result.AsSpan()));
                else t.FloatData.CopyTo(result, 0);
                break;
            case DataTypes.Double:
                var d = ToDoubles(t);
                for (long i = 0; i < n; i++) result[i] = (float)d[i];
                break;
            case DataTypes.Float16 or DataTypes.BFloat16 when ExternalData.IsOnDisk(t):
                WidenFromDisk(t, result);
                break;
            case DataTypes.Float16:
            {
                var h = new Half[n];
                if (HasBytes(t)) CopyRaw(t, MemoryMarshal.AsBytes(h.AsSpan()));
                else for (int i = 0; i < n; i++) h[i] = BitConverter.UInt16BitsToHalf((ushort)t.Int32Data[i]);
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(h, result);
                break;
            }
            case DataTypes.BFloat16:
            {
                var b = new ushort[n];
                if (HasBytes(t)) CopyRaw(t, MemoryMarshal.AsBytes(b.AsSpan()));
                else for (int i = 0; i < n; i++) b[i] = (ushort)t.Int32Data[i];
                for (long i = 0; i < n; i++) result[i] = BitConverter.Int32BitsToSingle(b[i] << 16);
                break;
            }
            case DataTypes.Int64:
                var l = ToInt64s(t);
                for (long i = 0; i < n; i++) result[i] = l[i];
                break;
            case DataTypes.Int32 or DataTypes.Int16 or DataTypes.Int8 or DataTypes.UInt8 or DataTypes.UInt16 or DataTypes.Bool:
                var ints = ToInt32s(t);
                for (long i = 0; i < n; i++) result[i] = ints[i];
                break;
            default:
                throw QuantaException.BadInput($"tensor '{t.Name}': cannot read {DataTypes.Name(t.DataType)} values as float");
        }
        return result;
    }

    /// <summary>A float16 tensor's values as stored, not widened (read from disk straight into the array when on disk).</summary>
    public static Half[] ToHalves(TensorProto t)
    {
        if (t.DataType != DataTypes.Float16) throw new ArgumentException($"tensor '{t.Name}' is {DataTypes.Name(t.DataType)}, not float16", nameof(t));
        long n = ElementCount(t);
        if (!HasBytes(t)) return t.Int32Data.Select(v => BitConverter.UInt16BitsToHalf((ushort)v)).ToArray();
        var result = GC.AllocateUninitializedArray<Half>(checked((int)n)); // every element is filled (the length is checked)
        CopyRaw(t, MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>
    /// The first <paramref name="count"/> values of a float32 tensor, read without the rest (a cheap
    /// look before deciding to read a large on-disk tensor whole).
    /// </summary>
    public static float[] FirstFloats(TensorProto t, int count)
    {
        if (t.DataType != DataTypes.Float) throw new ArgumentException($"tensor '{t.Name}' is {DataTypes.Name(t.DataType)}, not float", nameof(t));
        count = (int)Math.Min(count, ElementCount(t));
        var result = new float[count];
        var bytes = MemoryMarshal.AsBytes(result.AsSpan());
        if (ExternalData.IsOnDisk(t)) ExternalData.ReadAt(t, 0, bytes);
        else if (t.HasRawData)
        {
            if (t.RawData.Length < bytes.Length)
                throw QuantaException.BadInput($"tensor '{t.Name}': raw data holds {t.RawData.Length} bytes, its shape needs more");
            t.RawData.Span[..bytes.Length].CopyTo(bytes);
        }
        else for (int i = 0; i < count; i++) result[i] = t.FloatData[i];
        return result;
    }

    /// <summary>
    /// A float16 or bfloat16 tensor on disk, read and widened a slice at a time: a 16-bit copy of the whole
    /// tensor would be one more large array per layer (and its page faults) when a streamed model is quantized.
    /// </summary>
    static void WidenFromDisk(TensorProto t, float[] result)
    {
        const int Slice = 1 << 20;
        if (ByteSize(t) != 2L * result.Length)
            throw QuantaException.BadInput($"tensor '{t.Name}': external data holds {ByteSize(t)} bytes, its shape needs {2L * result.Length}");
        var bits = new ushort[Math.Min(Slice, result.Length)];
        for (int done = 0; done < result.Length;)
        {
            int m = Math.Min(Slice, result.Length - done);
            var slice = bits.AsSpan(0, m);
            ExternalData.ReadAt(t, 2L * done, MemoryMarshal.AsBytes(slice));
            var target = result.AsSpan(done, m);
            if (t.DataType == DataTypes.Float16) System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(slice), target);
            else for (int i = 0; i < m; i++) target[i] = BitConverter.Int32BitsToSingle(slice[i] << 16);
            done += m;
        }
    }

    public static double[] ToDoubles(TensorProto t)
    {
        if (t.DataType != DataTypes.Double) return ToFloats(t).Select(v => (double)v).ToArray();
        var result = new double[ElementCount(t)];
        if (HasBytes(t)) CopyRaw(t, MemoryMarshal.AsBytes(result.AsSpan()));
        else t.DoubleData.CopyTo(result, 0);
        return result;
    }

    public static long[] ToInt64s(TensorProto t)
    {
        long n = ElementCount(t);
        var result = new long[n];
        if (t.DataType == DataTypes.Int64)
        {
            if (HasBytes(t)) CopyRaw(t, MemoryMarshal.AsBytes(result.AsSpan()));
            else t.Int64Data.CopyTo(result, 0);
        }
        else if (t.DataType is DataTypes.Float or DataTypes.Double)
        {
            var f = ToDoubles(t);
            for (long i = 0; i < n; i++) result[i] = (long)f[i];
        }
        else
        {
            var ints = ToInt32s(t);
            for (long i = 0; i < n; i++) result[i] = ints[i];
        }
        return result;
    }

    /// <summary>Integer element types up to 32 bits (and bool) widened to int.</summary>
    public static int[] ToInt32s(TensorProto t)
    {
        long n = ElementCount(t);
        var result = new int[n];
        if (!HasBytes(t))
        {
            if (t.DataType == DataTypes.Int64) { for (int i = 0; i < n; i++) result[i] = (int)t.Int64Data[i]; }
            else t.Int32Data.CopyTo(result, 0);
            return result;
        }
        var raw = ExternalData.IsOnDisk(t) ? ExternalData.Read(t) : t.RawData.Span;
        switch (t.DataType)
        {
            case DataTypes.Int32: CopyRaw(t, MemoryMarshal.AsBytes(result.AsSpan())); break;
            case DataTypes.Int64: { var l = ToInt64s(t); for (long i = 0; i < n; i++) result[i] = (int)l[i]; break; }
            case DataTypes.Int8: for (int i = 0; i < n; i++) result[i] = (sbyte)raw[i]; break;
            case DataTypes.UInt8 or DataTypes.Bool: for (int i = 0; i < n; i++) result[i] = raw[i]; break;
            case DataTypes.Int16: { var s = MemoryMarshal.Cast<byte, short>(raw); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case DataTypes.UInt16: { var s = MemoryMarshal.Cast<byte, ushort>(raw); for (int i = 0; i < n; i++) result[i] = s[i]; break; }
            case DataTypes.Int4 or DataTypes.UInt4:
                Numerics.Packing.UnpackInt4(raw, result, signed: t.DataType == DataTypes.Int4);
                break;
            default:
                throw QuantaException.BadInput($"tensor '{t.Name}': cannot read {DataTypes.Name(t.DataType)} values as integers");
        }
        return result;
    }

    /// <summary>Values stored as bytes, in raw_data or on disk (rather than in the typed repeated fields).</summary>
    static bool HasBytes(TensorProto t) => t.HasRawData || ExternalData.IsOnDisk(t);

    static void CopyRaw(TensorProto t, Span<byte> destination)
    {
        if (ExternalData.IsOnDisk(t))
        {
            ExternalData.Read(t, destination);
            return;
        }
        var raw = t.RawData.Span;
        if (raw.Length != destination.Length)
            throw QuantaException.BadInput($"tensor '{t.Name}': raw data holds {raw.Length} bytes, its shape needs {destination.Length}");
        raw.CopyTo(destination);
    }

    public static TensorProto FromFloats(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values)
        => FromRaw(name, DataTypes.Float, dims, MemoryMarshal.AsBytes(values));

    /// <summary>Float values stored as <paramref name="dataType"/> (float, float16 or bfloat16: a float model's own type).</summary>
    public static TensorProto FromFloats(string name, int dataType, ReadOnlySpan<long> dims, ReadOnlySpan<float> values)
    {
        switch (dataType)
        {
            case DataTypes.Float: return FromFloats(name, dims, values);
            case DataTypes.Float16:
            {
                var h = new Half[values.Length];
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, h);
                return FromRaw(name, dataType, dims, MemoryMarshal.AsBytes(h.AsSpan()));
            }
            case DataTypes.BFloat16:
            {
                var b = new ushort[values.Length];
                for (int i = 0; i < values.Length; i++) b[i] = BFloat16Bits(values[i]);
                return FromRaw(name, dataType, dims, MemoryMarshal.AsBytes(b.AsSpan()));
            }
            default: throw new ArgumentException($"not a float type: {DataTypes.Name(dataType)}", nameof(dataType));
        }
    }

    /// <summary>bfloat16 bits rounded to nearest even (NaN kept a NaN).</summary>
    static ushort BFloat16Bits(float v)
    {
        uint b = BitConverter.SingleToUInt32Bits(v);
        if (float.IsNaN(v)) return (ushort)((b >> 16) | 0x40);
        return (ushort)((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
    }

    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values)
        => FromRaw(name, DataTypes.Int64, dims, MemoryMarshal.AsBytes(values));

    public static TensorProto FromInt32s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<int> values)
        => FromRaw(name, DataTypes.Int32, dims, MemoryMarshal.AsBytes(values));

    public static TensorProto Scalar(string name, float value) => FromFloats(name, [], [value]);

    /// <summary>As <see cref="FromRaw"/>, taking <paramref name="raw"/> as the tensor's bytes without a copy (the caller gives it up).</summary>
    public static TensorProto FromOwnedRaw(string name, int dataType, ReadOnlySpan<long> dims, byte[] raw)
    {
        var t = new TensorProto { Name = name, DataType = dataType, RawData = UnsafeByteOperations.UnsafeWrap(raw) };
        foreach (var d in dims) t.Dims.Add(d);
        return t;
    }

    public static TensorProto FromRaw(string name, int dataType, ReadOnlySpan<long> dims, ReadOnlySpan<byte> raw)
    {
        var t = new TensorProto { Name = name, DataType = dataType, RawData = ByteString.CopyFrom(raw) };
        foreach (var d in dims) t.Dims.Add(d);
        return t;
    }
}
