using Quanta.Data;

namespace Quanta.Tests.Data;

public class IdxDatasetTests
{
    static string Demo => Path.Combine(TestData.DemoDir, "fashion-mnist");

    [Fact]
    public void TestSplit_HasTenThousandImages_ThousandPerClass()
    {
        var ds = DataSource.Open(TestData.FashionMnist + ":test", new DataOptions(TestData.FashionPreprocessing));

        Assert.Equal(10000, ds.Count);
        Assert.True(ds.HasLabels);
        Assert.Equal([1L, 28, 28], ds.SampleShape);
        Assert.Equal("fashion-mnist:test (10000 of 10000 images)", ds.Description);
        var histogram = new int[10];
        int total = 0;
        foreach (var b in ds.Batches(512))
        {
            Assert.Equal(b.Count * 784, b.Data.Length);
            foreach (var l in b.Labels!) histogram[l]++;
            total += b.Count;
        }
        Assert.Equal(10000, total);
        Assert.All(histogram, h => Assert.Equal(1000, h));
    }

    [Fact]
    public void TestSplit_PixelsAndLabels_MatchDirectDecode_WithMeanStd()
    {
        var reference = IdxReference.Test;
        var ds = DataSource.Open(TestData.FashionMnist + ":test", new DataOptions(TestData.FashionPreprocessing));

        var first = ds.Batches(64).First();
        Assert.Equal([64L, 1, 28, 28], first.Shape);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(reference.Labels[i], first.Labels![i]);
            var img = reference.Image(i);
            for (int p = 0; p < 784; p++)
                Assert.Equal(BatchUtil.Normalized(img[p], TestData.Mean[0], TestData.Std[0]), first.Data[i * 784 + p], 1e-5f);
        }
        // The first test image is an ankle boot (class 9) with background zeros in its corner.
        Assert.Equal(9, first.Labels![0]);
        Assert.Equal(-TestData.Mean[0] / TestData.Std[0], first.Data[0], 1e-6f);
    }

    [Fact]
    public void IdentityPreprocessing_ScalesToUnitRange()
    {
        var reference = IdxReference.DemoTest;
        var ds = DataSource.Open(Demo + ":test", new DataOptions(Preprocessing.Identity));

        var (data, labels, _) = BatchUtil.ReadAll(ds, 1000);
        Assert.Equal(2000, ds.Count);
        Assert.Equal(reference.Labels, labels!.Select(l => (byte)l).ToArray());
        for (int i = 0; i < data.Length; i++)
            Assert.Equal(reference.Pixels[i] / 255f, data[i]);
        Assert.Equal(0f, data.Min());
        Assert.Equal(1f, data.Max());
    }

    [Fact]
    public void Batches_LastBatchIsPartial_AndEnumerationRepeats()
    {
        var ds = DataSource.Open(Demo + ":test", new DataOptions(TestData.FashionPreprocessing));

        var first = BatchUtil.ReadAll(ds, 300);
        Assert.Equal([300, 300, 300, 300, 300, 300, 200], first.Sizes);
        var last = ds.Batches(300).Last();
        Assert.Equal([200L, 1, 28, 28], last.Shape);
        Assert.Equal(200, last.Labels!.Length);

        var second = BatchUtil.ReadAll(ds, 7);
        Assert.Equal(2000 / 7 + 1, second.Sizes.Count);
        Assert.Equal(2000 % 7, second.Sizes[^1]);
        Assert.Equal(first.Data, second.Data);
        Assert.Equal(first.Labels, second.Labels);
    }

    [Fact]
    public void TrainSplit_OfDemoFolder()
    {
        var ds = DataSource.Open(Demo + ":train", new DataOptions(TestData.FashionPreprocessing));
        var (_, labels, _) = BatchUtil.ReadAll(ds, 256);
        Assert.Equal(1000, ds.Count);
        Assert.Equal(1000, labels!.Length);
        Assert.All(labels, l => Assert.InRange(l, 0, 9));
        Assert.Equal(10, labels.Distinct().Count());
    }

    [Fact]
    public void Nhwc_IsNchwTransposed_ForRgbWithPerChannelMeanStd()
    {
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var nchw = DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing(mean, std, Layout: Layout.Nchw, Channels: 3), Count: 20, Seed: 3));
        var nhwc = DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing(mean, std, Layout: Layout.Nhwc, Channels: 3), Count: 20, Seed: 3));

        Assert.Equal([3L, 28, 28], nchw.SampleShape);
        Assert.Equal([28L, 28, 3], nhwc.SampleShape);
        var a = nchw.Batches(8).ToList();
        var b = nhwc.Batches(8).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int k = 0; k < a.Count; k++)
        {
            Assert.Equal(a[k].Labels, b[k].Labels);
            Assert.Equal([a[k].Count, 28L, 28, 3], b[k].Shape);
            for (int n = 0; n < a[k].Count; n++)
                for (int c = 0; c < 3; c++)
                    for (int p = 0; p < 784; p++)
                        Assert.Equal(a[k].Data[(n * 3 + c) * 784 + p], b[k].Data[(n * 784 + p) * 3 + c]);
        }
        // Grey replicated to RGB: the channels differ only by their mean/std.
        var s = a[0].Data;
        float grey = s[100] * std[0] + mean[0];
        Assert.Equal(grey, s[784 + 100] * std[1] + mean[1], 1e-5f);
        Assert.Equal(grey, s[2 * 784 + 100] * std[2] + mean[2], 1e-5f);
    }

    [Fact]
    public void Resize_HalfSize_IsTwoByTwoAverage()
    {
        var reference = IdxReference.DemoTest;
        var ds = DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing([0f], [1f], Height: 14, Width: 14), Count: 5000));
        Assert.Equal([1L, 14, 14], ds.SampleShape);

        var batch = ds.Batches(16).First();
        for (int i = 0; i < 16; i++)
        {
            var img = reference.Image(i);
            for (int y = 0; y < 14; y++)
                for (int x = 0; x < 14; x++)
                {
                    int s = 2 * y * 28 + 2 * x;
                    float expected = (img[s] + img[s + 1] + img[s + 28] + img[s + 29]) / 4f / 255f;
                    Assert.Equal(expected, batch.Data[i * 196 + y * 14 + x], 1e-6f);
                }
        }
    }

    [Fact]
    public void CropOnly_WhenShorterSideAlreadyFits()
    {
        // 20x28: the shorter side becomes max(20, 28) = 28 = source, so no scaling, rows 4..23 kept.
        var reference = IdxReference.DemoTest;
        var ds = DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing([0f], [1f], Height: 20, Width: 28)));
        Assert.Equal([1L, 20, 28], ds.SampleShape);

        var batch = ds.Batches(4).First();
        for (int i = 0; i < 4; i++)
            for (int y = 0; y < 20; y++)
                for (int x = 0; x < 28; x++)
                    Assert.Equal(reference.Image(i)[(y + 4) * 28 + x] / 255f, batch.Data[i * 560 + y * 28 + x], 1e-6f);
    }

    [Fact]
    public void Upscale_StaysWithinSourceRange_AndKeepsMeanBrightness()
    {
        var reference = IdxReference.DemoTest;
        var ds = DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing([0f], [1f], Height: 56, Width: 56), Count: 10, Seed: 1));
        Assert.Equal([1L, 56, 56], ds.SampleShape);
        var batch = ds.Batches(10).Single();
        for (int i = 0; i < 10; i++)
        {
            var sample = batch.Data.AsSpan(i * 3136, 3136).ToArray();
            Assert.InRange(sample.Min(), 0f, 1f);
            Assert.InRange(sample.Max(), 0f, 1f);
        }
        // Over many images, doubling the size preserves the mean intensity closely.
        float upscaledMean = batch.Data.Average();
        Assert.InRange(upscaledMean, 0.05f, 0.6f);
    }

    /// <summary>Streaming holds only the batches: memory does not grow with the data set. (Speed is a benchmark, not a test.)</summary>
    [Fact]
    public void FullTestSplit_StreamsInBoundedMemory()
    {
        var ds = DataSource.Open(TestData.FashionMnist + ":test", new DataOptions(TestData.FashionPreprocessing));
        foreach (var _ in ds.Batches(1000)) { } // warm-up: JIT and file cache
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long values = 0;
        foreach (var b in ds.Batches(256)) values += b.Data.Length;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        // Streaming: beyond the batch arrays themselves only fixed-size buffers are allocated.
        Assert.InRange(allocated, values * 4, values * 4 + (2 << 20));
        Assert.Equal(10000L * 784, values);
    }
}
