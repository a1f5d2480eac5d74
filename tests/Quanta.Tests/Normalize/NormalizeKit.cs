using System.IO.Compression;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Tests.Normalize;

/// <summary>What the normalization tests share: eight real test images, running a model, comparing outputs, lifting constants.</summary>
internal static class NormalizeKit
{
    public const int Images = 8;
    public static readonly long[] Shape = [Images, 1, 28, 28];

    static readonly Lazy<float[]> _images = new(() =>
    {
        using var file = File.OpenRead(Path.Combine(TestData.DemoDir, "fashion-mnist", "t10k-images-idx3-ubyte.gz"));
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        var bytes = new byte[16 + Images * 28 * 28];
        gz.ReadExactly(bytes);
        // IDX: 16-byte header, then uint8 pixels; normalized as the models were trained.
        return bytes.Skip(16).Select(b => (b / 255f - 0.2860f) / 0.3530f).ToArray();
    });

    public static float[] Input => _images.Value;

    public static Model Load(string name) => Model.Load(TestData.Model(name));

    public static float[] Logits(Model model)
    {
        using var runner = new ModelRunner(model, new RuntimeOptions(Threads: 1));
        var output = runner.Run(Input, Shape).Single(o => o.Name == "logits");
        Assert.Equal(new long[] { Images, 10 }, output.Shape);
        return output.Values;
    }

    public static float MaxDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    public static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        float diff = MaxDiff(expected, actual);
        Assert.True(diff <= tolerance, $"max |Δ| = {diff:E2} > {tolerance:E0}");
    }

    public static int Count(Model model, string opType) => model.Graph.Nodes.Count(n => n.OpType == opType);

    /// <summary>Constant nodes → initializers (the real LiftConstants lives in IR/Passes; this keeps the tests independent of it).</summary>
    public static void LiftConstants(Model model)
    {
        var g = model.Graph;
        foreach (var n in g.Nodes.Where(n => n.OpType == "Constant" && n.Attribute.Count == 1 && n.Attribute[0].Name == "value").ToList())
        {
            var t = n.Attribute[0].T.Clone();
            t.Name = n.Output[0];
            g.RemoveNode(n);
            g.AddInitializer(t);
        }
    }

    public static void AssertValid(Model model) => Assert.Empty(model.Graph.Validate());
}
