using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Quanta.Tests.Data;

/// <summary>Real Fashion-MNIST images decoded directly (no Quanta code), as the reference the datasets must match.</summary>
public sealed class IdxReference
{
    public required byte[] Pixels { get; init; }
    public required byte[] Labels { get; init; }
    public required int Count { get; init; }
    public int Rows => 28;
    public int Cols => 28;
    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * 784, 784);

    static readonly Lazy<IdxReference> _test = new(() => Load(TestData.FashionMnist, "t10k"));
    static readonly Lazy<IdxReference> _demoTest = new(() => Load(Path.Combine(TestData.DemoDir, "fashion-mnist"), "t10k"));

    /// <summary>The full 10,000-image test split.</summary>
    public static IdxReference Test => _test.Value;
    /// <summary>The repository's 2,000-image demo test split.</summary>
    public static IdxReference DemoTest => _demoTest.Value;

    public static IdxReference Load(string dir, string prefix)
    {
        var images = Gunzip(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"));
        var labels = Gunzip(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"));
        Assert.Equal(0x803, BinaryPrimitives.ReadInt32BigEndian(images));
        int n = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        Assert.Equal(28, BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8)));
        Assert.Equal(28, BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12)));
        return new IdxReference { Pixels = images[16..], Labels = labels[8..], Count = n };
    }

    public static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }
}

/// <summary>A temporary folder removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("quanta-data-").FullName;
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public string Sub(string relative)
    {
        var p = this[relative];
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Writers for the test inputs, independent of the code under test.</summary>
public static class Writers
{
    /// <summary>An 8-bit PNG: channels 1 (grey) or 3 (RGB), interleaved row-major pixels, no filtering.</summary>
    public static void Png(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        using var f = File.Create(path);
        f.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = (byte)(channels == 1 ? 0 : 2);
        Chunk(f, "IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            int stride = width * channels;
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(pixels.Slice(y * stride, stride));
            }
        }
        Chunk(f, "IDAT", raw.ToArray());
        Chunk(f, "IEND", []);
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        s.Write(word);
    }

    static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A 24-bit BMP (bottom-up, BGR, rows padded to 4 bytes) from grey or RGB pixels.</summary>
    public static void Bmp(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        int stride = (width * 3 + 3) & ~3;
        int size = 54 + stride * height;
        var b = new byte[size];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(2), size);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(34), stride * height);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * stride;
            for (int x = 0; x < width; x++)
            {
                int s = (y * width + x) * channels;
                byte r = pixels[s], g = channels == 1 ? r : pixels[s + 1], bl = channels == 1 ? r : pixels[s + 2];
                b[row + x * 3] = bl; b[row + x * 3 + 1] = g; b[row + x * 3 + 2] = r;
            }
        }
        File.WriteAllBytes(path, b);
    }

    /// <summary>A version 1.0 .npy: header dict padded with spaces to a multiple of 64, then raw little-endian data.</summary>
    public static byte[] Npy(string descr, long[] shape, ReadOnlySpan<byte> data, bool fortran = false)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";
        var bytes = new byte[10 + header.Length + data.Length];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = 1; bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
        data.CopyTo(bytes.AsSpan(10 + header.Length));
        return bytes;
    }

    public static byte[] Npy(float[] values, long[] shape) =>
        Npy("<f4", shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>An .npz: each named array a member "name.npy".</summary>
    public static void Npz(string path, CompressionLevel level, params (string Name, byte[] Npy)[] arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, npy) in arrays)
        {
            using var s = zip.CreateEntry(name + ".npy", level).Open();
            s.Write(npy);
        }
    }
}

/// <summary>Small helpers over batches.</summary>
public static class BatchUtil
{
    public static (float[] Data, int[]? Labels, List<int> Sizes) ReadAll(Quanta.Data.IDataset ds, int batchSize)
    {
        var data = new List<float>();
        var labels = ds.HasLabels ? new List<int>() : null;
        var sizes = new List<int>();
        foreach (var b in ds.Batches(batchSize))
        {
            data.AddRange(b.Data);
            if (b.Labels is not null) labels!.AddRange(b.Labels);
            sizes.Add(b.Count);
        }
        return (data.ToArray(), labels?.ToArray(), sizes);
    }

    public static float Normalized(byte pixel, float mean, float std) => (pixel / 255f - mean) / std;
}
