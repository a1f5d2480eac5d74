using System.Buffers.Binary;

namespace Quanta.Data;

/// <summary>
/// The header of one IDX file (the MNIST format): magic 0x0000 08 NN (unsigned bytes, NN dims),
/// NN big-endian int32 dimensions, then the data. Reading the header also checks that the file
/// holds exactly the bytes the header promises, so a cut download fails at Open.
/// </summary>
internal sealed class IdxFile
{
    public string Path { get; }
    public int[] Dims { get; }
    public int HeaderSize => 4 + 4 * Dims.Length;

    IdxFile(string path, int[] dims) { Path = path; Dims = dims; }

    /// <summary>Reads and validates the header; <paramref name="expectedDims"/> is 3 for images, 1 for labels.</summary>
    public static IdxFile Read(string path, int expectedDims)
    {
        int[] dims;
        using (var stream = DataStreams.OpenRead(path))
        {
            Span<byte> magic = stackalloc byte[4];
            DataStreams.ReadExactly(stream, magic, path);
            uint m = BinaryPrimitives.ReadUInt32BigEndian(magic);
            uint expected = 0x0800u | (uint)expectedDims;
            if (m != expected)
            {
                string kind = expectedDims == 1 ? "labels" : "images";
                throw QuantaException.BadInput($"{path}: wrong magic number 0x{m:X8} (expected 0x{expected:X8} for IDX {kind} of unsigned bytes)");
            }
            dims = new int[expectedDims];
            Span<byte> word = stackalloc byte[4];
            for (int i = 0; i < expectedDims; i++)
            {
                DataStreams.ReadExactly(stream, word, path);
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
                if (dims[i] < 0) throw QuantaException.BadInput($"{path}: negative dimension {dims[i]} in the IDX header");
            }
        }
        var file = new IdxFile(path, dims);
        file.CheckLength();
        return file;
    }

    public long DataBytes
    {
        get
        {
            long n = 1;
            foreach (var d in Dims) n *= d;
            return n;
        }
    }

    void CheckLength()
    {
        long expected = HeaderSize + DataBytes;
        if (DataStreams.IsGzip(Path))
        {
            uint recorded = DataStreams.GzipRecordedSize(Path);
            if (recorded != (uint)expected)
                throw QuantaException.BadInput($"{Path}: truncated or corrupt gzip (records {recorded} uncompressed bytes, the IDX header needs {expected})");
        }
        else
        {
            long actual = new FileInfo(Path).Length;
            if (actual < expected)
                throw QuantaException.BadInput($"{Path}: truncated IDX file ({actual} bytes, the header needs {expected})");
        }
    }

    /// <summary>Opens the file positioned at the first data byte.</summary>
    public Stream OpenData()
    {
        var s = DataStreams.OpenRead(Path);
        try
        {
            DataStreams.Skip(s, HeaderSize, new byte[HeaderSize], Path);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>The whole data of a (small) label file.</summary>
    public byte[] ReadAllData()
    {
        if (DataBytes > Array.MaxLength) throw QuantaException.BadInput($"{Path}: label file too large");
        var data = new byte[DataBytes];
        using var s = OpenData();
        DataStreams.ReadExactly(s, data, Path);
        return data;
    }
}
