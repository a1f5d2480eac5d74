using System.IO.Compression;
using System.Runtime.InteropServices;
using Quanta.Data;

namespace Quanta.Tests.Data;

public class NpyDatasetTests
{
    static readonly IdxReference Ref = IdxReference.DemoTest;

    /// <summary>The first <paramref name="n"/> demo test images as floats in [0, 1].</summary>
    static float[] Images(int n) => Ref.Pixels.AsSpan(0, n * 784).ToArray().Select(b => b / 255f).ToArray();

    [Fact]
    public void Float32Npy_TakenAsIs_ThenMeanStd()
    {
        using var tmp = new TempDir();
        var path = tmp["x.npy"];
        File.WriteAllBytes(path, Writers.Npy(Images(30), [30, 1, 28, 28]));

        var ds = DataSource.Open(path, new DataOptions(TestData.FashionPreprocessing));
        Assert.Equal(30, ds.Count);
        Assert.False(ds.HasLabels);
        Assert.Equal([1L, 28, 28], ds.SampleShape);
        Assert.Equal("x.npy (30 of 30 samples)", ds.Description);
        var (data, labels, sizes) = BatchUtil.ReadAll(ds, 8);
        Assert.Null(labels);
        Assert.Equal([8, 8, 8, 6], sizes);
        for (int i = 0; i < data.Length; i++)
            Assert.Equal(BatchUtil.Normalized(Ref.Pixels[i], TestData.Mean[0], TestData.Std[0]), data[i], 1e-5f);
    }

    [Fact]
    public void Uint8Npy_ScaledBy255_Nhwc()
    {
        using var tmp = new TempDir();
        var path = tmp["u8.npy"];
        File.WriteAllBytes(path, Writers.Npy("|u1", [20, 28, 28, 1], Ref.Pixels.AsSpan(0, 20 * 784)));

        var ds = DataSource.Open(path, new DataOptions(new Preprocessing([0.5f], [0.25f], Layout: Layout.Nhwc)));
        Assert.Equal([28L, 28, 1], ds.SampleShape);
        var batch = ds.Batches(20).Single();
        Assert.Equal([20L, 28, 28, 1], batch.Shape);
        for (int i = 0; i < batch.Data.Length; i++)
            Assert.Equal((Ref.Pixels[i] / 255f - 0.5f) / 0.25f, batch.Data[i], 1e-5f);
    }

    [Theory]
    [InlineData("<f8")]
    [InlineData("<i4")]
    [InlineData("<i8")]
    public void OtherDtypes_ValuesTakenAsIs(string descr)
    {
        using var tmp = new TempDir();
        var path = tmp["v.npy"];
        var values = Ref.Pixels.AsSpan(0, 6 * 784).ToArray();
        byte[] raw = descr switch
        {
            "<f8" => MemoryMarshal.AsBytes(values.Select(v => (double)v).ToArray().AsSpan()).ToArray(),
            "<i4" => MemoryMarshal.AsBytes(values.Select(v => (int)v).ToArray().AsSpan()).ToArray(),
            _ => MemoryMarshal.AsBytes(values.Select(v => (long)v).ToArray().AsSpan()).ToArray(),
        };
        File.WriteAllBytes(path, Writers.Npy(descr, [6, 784], raw));

        var ds = DataSource.Open(path, new DataOptions(Preprocessing.Identity));
        Assert.Equal([784L], ds.SampleShape);
        // Floats are taken as they are; integer arrays keep their type (token ids feed int64 inputs unchanged).
        var batches = ds.Batches(4).ToList();
        var read = batches.SelectMany(b => b.Inputs[0].Values.Cast<object>().Select(Convert.ToDouble)).ToArray();
        Assert.Equal(values.Select(v => (double)v), read);
        Assert.Equal(descr switch { "<f8" => ElementType.Float, "<i4" => ElementType.Int32, _ => ElementType.Int64 }, batches[0].Inputs[0].ElementType);
    }

    [Fact]
    public void PerChannelMeanStd_NchwAndNhwcAgree()
    {
        using var tmp = new TempDir();
        // 4 samples of 3 channels; channel c of sample i is real image 3i+c.
        var planar = Images(12);                      // [4, 3, 28, 28]
        var interleaved = new float[planar.Length];   // [4, 28, 28, 3]
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 784; p++)
                    interleaved[(i * 784 + p) * 3 + c] = planar[(i * 3 + c) * 784 + p];
        File.WriteAllBytes(tmp["chw.npy"], Writers.Npy(planar, [4, 3, 28, 28]));
        File.WriteAllBytes(tmp["hwc.npy"], Writers.Npy(interleaved, [4, 28, 28, 3]));
        float[] mean = [0.1f, 0.2f, 0.3f], std = [0.2f, 0.4f, 0.8f];

        var a = DataSource.Open(tmp["chw.npy"], new DataOptions(new Preprocessing(mean, std, 28, 28, Layout.Nchw, 3))).Batches(4).Single().Data;
        var b = DataSource.Open(tmp["hwc.npy"], new DataOptions(new Preprocessing(mean, std, 28, 28, Layout.Nhwc, 3))).Batches(4).Single().Data;
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 784; p++)
                {
                    float expected = (planar[(i * 3 + c) * 784 + p] - mean[c]) / std[c];
                    Assert.Equal(expected, a[(i * 3 + c) * 784 + p], 1e-5f);
                    Assert.Equal(expected, b[(i * 784 + p) * 3 + c], 1e-5f);
                }
    }

    [Theory]
    [InlineData(CompressionLevel.Optimal, "x", "y")]
    [InlineData(CompressionLevel.NoCompression, "images", "labels")]
    public void Npz_DataAndLabels_Subset(CompressionLevel level, string dataName, string labelName)
    {
        using var tmp = new TempDir();
        var path = tmp["d.npz"];
        var labels = Ref.Labels.AsSpan(0, 200).ToArray().Select(l => (long)l).ToArray();
        Writers.Npz(path, level,
            ("extra", Writers.Npy(new float[] { 1, 2, 3 }, [3, 1])),
            (labelName, Writers.Npy("<i8", [200], MemoryMarshal.AsBytes(labels.AsSpan()))),
            (dataName, Writers.Npy("|u1", [200, 1, 28, 28], Ref.Pixels.AsSpan(0, 200 * 784))));

        var full = DataSource.Open(path, new DataOptions(Preprocessing.Identity));
        Assert.True(full.HasLabels);
        var all = BatchUtil.ReadAll(full, 64);
        Assert.Equal(labels.Select(l => (int)l), all.Labels!);
        Assert.Equal(Ref.Pixels.AsSpan(0, 200 * 784).ToArray().Select(b => b / 255f), all.Data);

        // A seeded subset streams the same samples with their own labels, in file order.
        var sub = BatchUtil.ReadAll(DataSource.Open(path, new DataOptions(Preprocessing.Identity, Count: 25, Seed: 11)), 10);
        Assert.Equal(25, sub.Labels!.Length);
        int next = 0;
        for (int i = 0; i < 25; i++)
        {
            var sample = sub.Data.AsSpan(i * 784, 784);
            while (next < 200 && !sample.SequenceEqual(all.Data.AsSpan(next * 784, 784))) next++;
            Assert.True(next < 200, $"subset sample {i} out of order or missing");
            Assert.Equal(all.Labels![next], sub.Labels[i]);
            next++;
        }
    }

    [Fact]
    public void Npz_OtherNames_AreModelInputs()
    {
        using var tmp = new TempDir();
        var path = tmp["o.npz"];
        Writers.Npz(path, CompressionLevel.Fastest,
            ("features", Writers.Npy(Images(3), [3, 784])),
            ("other", Writers.Npy(new float[] { 5, 6, 7 }, [3, 1])));
        var ds = DataSource.Open(path, new DataOptions(Preprocessing.Identity));
        Assert.False(ds.HasLabels);
        Assert.Equal(3, ds.Count);
        Assert.Contains("inputs features, other", ds.Description);
        var b = ds.Batches(2).First();
        Assert.Equal(["features", "other"], b.Inputs.Select(t => t.Name));
        Assert.Equal(Images(2), (float[])b.Inputs[0].Values);

        // Arrays that cannot be inputs of one sample each are named, not guessed.
        Writers.Npz(tmp["bad.npz"], CompressionLevel.Fastest,
            ("features", Writers.Npy(Images(3), [3, 784])), ("other", Writers.Npy(new float[] { 5 }, [1, 1])));
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["bad.npz"], new DataOptions(Preprocessing.Identity)));
        Assert.Contains("arrays disagree on the number of samples (features: 3, other: 1)", e.Message);
    }

    [Fact]
    public void NaN_IsBadInput_NamingTheSample()
    {
        using var tmp = new TempDir();
        var values = Images(20);
        values[17 * 784 + 300] = float.NaN;
        File.WriteAllBytes(tmp["nan.npy"], Writers.Npy(values, [20, 1, 28, 28]));
        var ds = DataSource.Open(tmp["nan.npy"], new DataOptions(Preprocessing.Identity));

        var e = Assert.Throws<QuantaException>(() => BatchUtil.ReadAll(ds, 8));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Equal($"{tmp["nan.npy"]}: sample 17 contains NaN", e.Message);
    }

    [Fact]
    public void Infinity_IsBadInput()
    {
        using var tmp = new TempDir();
        var values = new double[] { 0, 1, double.NegativeInfinity, 3 };
        File.WriteAllBytes(tmp["inf.npy"], Writers.Npy("<f8", [2, 2], MemoryMarshal.AsBytes(values.AsSpan())));
        var ds = DataSource.Open(tmp["inf.npy"], new DataOptions(Preprocessing.Identity));
        var e = Assert.Throws<QuantaException>(() => BatchUtil.ReadAll(ds, 2));
        Assert.Contains("sample 1 contains -Inf", e.Message);
    }

    [Fact]
    public void FortranOrder_IsBadInput()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp["f.npy"], Writers.Npy("<f4", [2, 2], new byte[16], fortran: true));
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["f.npy"], new DataOptions(Preprocessing.Identity)));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("Fortran", e.Message);
    }

    [Fact]
    public void TruncatedOrBadNpy_IsBadInputAtOpen()
    {
        using var tmp = new TempDir();
        var full = Writers.Npy(Images(4), [4, 1, 28, 28]);
        File.WriteAllBytes(tmp["cut.npy"], full.AsSpan(0, full.Length - 100).ToArray());
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["cut.npy"], new DataOptions(Preprocessing.Identity)));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("cut.npy", e.Message);

        File.WriteAllBytes(tmp["b.npy"], Writers.Npy(">f4", [1, 1], new byte[4]));
        e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["b.npy"], new DataOptions(Preprocessing.Identity)));
        Assert.Contains("unsupported dtype '>f4'", e.Message);

        File.WriteAllBytes(tmp["e.npy"], Writers.Npy("<f4", [0, 3], []));
        e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["e.npy"], new DataOptions(Preprocessing.Identity)));
        Assert.Contains("empty", e.Message);

        File.WriteAllBytes(tmp["z.npz"], [1, 2, 3]);
        e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["z.npz"], new DataOptions(Preprocessing.Identity)));
        Assert.Contains("z.npz", e.Message);
    }

    [Fact]
    public void Npz_LabelCountMismatch_IsBadInput()
    {
        using var tmp = new TempDir();
        Writers.Npz(tmp["m.npz"], CompressionLevel.Fastest,
            ("x", Writers.Npy(Images(3), [3, 784])),
            ("y", Writers.Npy("|u1", [2], new byte[] { 1, 2 })));
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["m.npz"], new DataOptions(Preprocessing.Identity)));
        Assert.Contains("y.npy", e.Message);
        Assert.Contains("for 3 samples", e.Message);
    }

    [Fact]
    public void RequestedSizeThatDiffers_IsBadInput()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp["x.npy"], Writers.Npy(Images(2), [2, 1, 28, 28]));
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["x.npy"], new DataOptions(new Preprocessing([0f], [1f], 32, 32))));
        Assert.Contains("not resized", e.Message);
    }
}
