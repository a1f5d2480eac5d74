using System.Buffers.Binary;
using System.IO.Compression;

namespace Quanta.TinyOcr;

/// <summary>
/// "Text lines" of Fashion-MNIST items: <see cref="Length"/> 28×28 images side by side in one
/// [1, 28, 28·Length] strip, normalised as Fashion-MNIST (mean 0.2860, std 0.3530); the label of
/// each position is its item's class. Strip i of a seed is the same on every machine.
/// </summary>
sealed class Strips(byte[] pixels, byte[] labels, int length)
{
    public const int Side = 28, Classes = 10;
    const float Mean = 0.2860f, Std = 0.3530f;

    public int Length => length;
    public int Width => Side * length;
    public int Items => labels.Length;

    /// <summary>One split of the IDX files: "train" or "t10k".</summary>
    public static Strips Load(string dir, string split, int length)
    {
        var images = Gunzip(Path.Combine(dir, $"{split}-images-idx3-ubyte.gz"));
        var classes = Gunzip(Path.Combine(dir, $"{split}-labels-idx1-ubyte.gz"));
        if (BinaryPrimitives.ReadInt32BigEndian(images) != 0x803 || BinaryPrimitives.ReadInt32BigEndian(classes) != 0x801)
            throw new InvalidDataException($"{dir}/{split}: not Fashion-MNIST IDX files");
        return new Strips(images[16..], classes[8..], length);
    }

    /// <summary>
    /// <paramref name="count"/> strips of random items drawn by <paramref name="rng"/>: pixels
    /// [count, 1, 28, 28·Length] row-major, labels [count, Length].
    /// </summary>
    public (float[] Pixels, long[] Labels) Draw(int count, Random rng)
    {
        var x = new float[count * Side * Width];
        var y = new long[count * length];
        for (int s = 0; s < count; s++)
            for (int t = 0; t < length; t++)
            {
                int item = rng.Next(Items);
                y[s * length + t] = labels[item];
                for (int r = 0; r < Side; r++)
                    for (int c = 0; c < Side; c++)
                        x[(s * Side + r) * Width + t * Side + c] = (pixels[(item * Side + r) * Side + c] / 255f - Mean) / Std;
            }
        return (x, y);
    }

    static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }
}
