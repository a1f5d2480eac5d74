using System.IO.Compression;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Tests.IR;

/// <summary>Real inputs for IR tests: Fashion-MNIST test images and ORT runs over models.</summary>
internal static class IrFixtures
{
    public static readonly string[] ReferenceModels = ["fmnist_cnn.onnx", "fmnist_resnet20.onnx", "fmnist_mobilenetv2.onnx", "fmnist_vit.onnx"];

    static readonly Lazy<float[]> _images = new(() => ReadImages(8));

    /// <summary>The first 8 test images, normalized, as one [8,1,28,28] batch.</summary>
    public static float[] Images => _images.Value;
    public static readonly long[] ImageShape = [8, 1, 28, 28];

    /// <summary>Reads IDX gz images: 16-byte header, then uint8 pixels, normalized (x/255 − mean)/std.</summary>
    static float[] ReadImages(int count)
    {
        string path = Path.Combine(TestData.DemoDir, "fashion-mnist", "t10k-images-idx3-ubyte.gz");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var header = new byte[16];
        gz.ReadExactly(header);
        Assert.Equal(0x00000803, (header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3]);
        var pixels = new byte[count * 28 * 28];
        gz.ReadExactly(pixels);
        var result = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) result[i] = (pixels[i] / 255f - TestData.Mean[0]) / TestData.Std[0];
        return result;
    }

    public static Model Load(string name) => Model.Load(TestData.Model(name));

    /// <summary>The model's logits on the 8 images (single-threaded, unoptimized: reproducible).</summary>
    public static float[] Logits(Model model)
    {
        using var runner = new ModelRunner(model, new RuntimeOptions(Threads: 1, Optimize: false));
        var outputs = runner.Run(Images, ImageShape);
        var logits = outputs.Single(o => o.Name == "logits");
        Assert.Equal(new long[] { 8, 10 }, logits.Shape);
        return logits.Values;
    }

    /// <summary>Largest |a−b| relative to the largest |a|.</summary>
    public static double RelativeError(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(expected[i] - actual[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return diff / scale;
    }
}
