using System.IO.Compression;
using System.Runtime.InteropServices;
using Quanta.Tests.Data;

namespace Quanta.Tests.TestModels;

/// <summary>.npz files keyed by model input name, as users prepare them for multi-input models.</summary>
static class SampleFiles
{
    /// <summary>Token ids in [1, vocab) of length <paramref name="seq"/>, the last <c>pad</c> of each row padded (id 0, mask 0).</summary>
    public static void Tokens(string path, int samples, int seq, int vocab, int seed)
    {
        var r = new Random(seed);
        var ids = new long[samples * seq];
        var mask = new long[samples * seq];
        for (int s = 0; s < samples; s++)
        {
            int length = r.Next(seq / 2, seq + 1);
            for (int t = 0; t < length; t++)
            {
                ids[s * seq + t] = r.Next(1, vocab);
                mask[s * seq + t] = 1;
            }
        }
        Writers.Npz(path, CompressionLevel.Fastest,
            ("input_ids", Writers.Npy("<i8", [samples, seq], MemoryMarshal.AsBytes(ids.AsSpan()))),
            ("attention_mask", Writers.Npy("<i8", [samples, seq], MemoryMarshal.AsBytes(mask.AsSpan()))));
    }

    /// <summary>Pairs of Fashion-MNIST test images (normalized) as "left" and "right".</summary>
    public static void ImagePairs(string path, int samples, int offset)
    {
        var images = IdxReference.DemoTest;
        float[] Side(int shift)
        {
            var v = new float[samples * 784];
            for (int s = 0; s < samples; s++)
            {
                var img = images.Image((offset + s * 2 + shift) % images.Count);
                for (int i = 0; i < 784; i++) v[s * 784 + i] = BatchUtil.Normalized(img[i], TestData.Mean[0], TestData.Std[0]);
            }
            return v;
        }
        Writers.Npz(path, CompressionLevel.Fastest,
            ("left", Writers.Npy(Side(0), [samples, 1, 28, 28])),
            ("right", Writers.Npy(Side(1), [samples, 1, 28, 28])));
    }
}
