using Quanta.Data;

namespace Quanta.Tests.Data;

public class ImageFolderTests
{
    static readonly IdxReference Ref = IdxReference.DemoTest;

    /// <summary>
    /// Three classes, deliberately created out of order, with real Fashion-MNIST images as grey PNG,
    /// upper-case .PNG and 24-bit BMP, plus a file that is not an image.
    /// Returns the reference image index of every file in the expected (label, name) order.
    /// </summary>
    static List<(int Label, int Image)> BuildGrey(TempDir tmp)
    {
        var shoe = tmp.Sub("shoe");
        var bag = tmp.Sub("bag");
        var coat = tmp.Sub("coat");
        Writers.Png(Path.Combine(bag, "b.png"), Ref.Image(0), 28, 28, 1);
        Writers.Png(Path.Combine(bag, "a.PNG"), Ref.Image(1), 28, 28, 1);
        Writers.Bmp(Path.Combine(coat, "c1.bmp"), Ref.Image(2), 28, 28, 1);
        Writers.Png(Path.Combine(shoe, "z.png"), Ref.Image(3), 28, 28, 1);
        Writers.Bmp(Path.Combine(shoe, "m.bmp"), Ref.Image(4), 28, 28, 1);
        File.WriteAllText(Path.Combine(shoe, "notes.txt"), "not an image");
        // Ordinal order: bag(0): a.PNG, b.png; coat(1): c1.bmp; shoe(2): m.bmp, z.png.
        return [(0, 1), (0, 0), (1, 2), (2, 4), (2, 3)];
    }

    [Fact]
    public void GreyFolder_LabelsFromSortedClasses_PixelsMatchSource()
    {
        using var tmp = new TempDir();
        var expected = BuildGrey(tmp);
        var ds = DataSource.Open(tmp.Path, new DataOptions(TestData.FashionPreprocessing));

        Assert.Equal(5, ds.Count);
        Assert.True(ds.HasLabels);
        Assert.Equal([1L, 28, 28], ds.SampleShape);
        Assert.Contains("5 of 5 images, 3 classes", ds.Description);
        var (data, labels, sizes) = BatchUtil.ReadAll(ds, 2);
        Assert.Equal([2, 2, 1], sizes);
        Assert.Equal(expected.Select(e => e.Label), labels!);
        for (int i = 0; i < expected.Count; i++)
        {
            var img = Ref.Image(expected[i].Image);
            for (int p = 0; p < 784; p++)
                Assert.Equal(BatchUtil.Normalized(img[p], TestData.Mean[0], TestData.Std[0]), data[i * 784 + p], 1e-5f);
        }
    }

    [Fact]
    public void GreyFolder_AsRgb_ReplicatesChannels()
    {
        using var tmp = new TempDir();
        var expected = BuildGrey(tmp);
        var ds = DataSource.Open(tmp.Path, new DataOptions(new Preprocessing([0f], [1f], Channels: 3)));
        Assert.Equal([3L, 28, 28], ds.SampleShape);
        var batch = ds.Batches(5).Single();
        for (int i = 0; i < 5; i++)
        {
            var img = Ref.Image(expected[i].Image);
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 784; p++)
                    Assert.Equal(img[p] / 255f, batch.Data[(i * 3 + c) * 784 + p], 1e-6f);
        }
    }

    /// <summary>An RGB image whose red, green and blue planes are three different real images.</summary>
    static byte[] Rgb(int r, int g, int b, int width = 28)
    {
        var pixels = new byte[784 * 3];
        for (int p = 0; p < 784; p++)
        {
            pixels[p * 3] = Ref.Image(r)[p];
            pixels[p * 3 + 1] = Ref.Image(g)[p];
            pixels[p * 3 + 2] = Ref.Image(b)[p];
        }
        return pixels;
    }

    [Fact]
    public void RgbFolder_SourceChannels_NchwAndNhwc()
    {
        using var tmp = new TempDir();
        Writers.Png(Path.Combine(tmp.Sub("a"), "0.png"), Rgb(10, 11, 12), 28, 28, 3);
        Writers.Bmp(Path.Combine(tmp.Sub("b"), "0.bmp"), Rgb(13, 14, 15), 28, 28, 3);
        float[] mean = [0.1f, 0.2f, 0.3f], std = [0.5f, 0.6f, 0.7f];

        var nchw = DataSource.Open(tmp.Path, new DataOptions(new Preprocessing(mean, std)));
        var nhwc = DataSource.Open(tmp.Path, new DataOptions(new Preprocessing(mean, std, Layout: Layout.Nhwc)));
        Assert.Equal([3L, 28, 28], nchw.SampleShape);   // channels 0: the first image (RGB) decides
        Assert.Equal([28L, 28, 3], nhwc.SampleShape);

        var a = nchw.Batches(2).Single();
        var b = nhwc.Batches(2).Single();
        Assert.Equal([0, 1], a.Labels!);
        int[][] sources = [[10, 11, 12], [13, 14, 15]];
        for (int i = 0; i < 2; i++)
            for (int c = 0; c < 3; c++)
            {
                var img = Ref.Image(sources[i][c]);
                for (int p = 0; p < 784; p++)
                {
                    float expected = (img[p] / 255f - mean[c]) / std[c];
                    Assert.Equal(expected, a.Data[(i * 3 + c) * 784 + p], 1e-5f);
                    Assert.Equal(expected, b.Data[(i * 784 + p) * 3 + c], 1e-5f);
                }
            }
    }

    [Fact]
    public void RgbFolder_AsGrey_UsesLuma()
    {
        using var tmp = new TempDir();
        var rgb = Rgb(20, 21, 22);
        Writers.Png(Path.Combine(tmp.Sub("only"), "x.png"), rgb, 28, 28, 3);
        var ds = DataSource.Open(tmp.Path, new DataOptions(new Preprocessing([0f], [1f], Channels: 1)));
        Assert.Equal([1L, 28, 28], ds.SampleShape);
        var data = ds.Batches(1).Single().Data;
        for (int p = 0; p < 784; p++)
        {
            float luma = 0.299f * rgb[p * 3] + 0.587f * rgb[p * 3 + 1] + 0.114f * rgb[p * 3 + 2];
            Assert.Equal(luma / 255f, data[p], 0.01f);
        }
    }

    [Fact]
    public void WideImage_ResizedByShorterSide_ThenCentreCropped()
    {
        // 56 wide x 28 high: images 30 | 31 side by side. Asking for 28x28 keeps the scale and crops columns 14..41;
        // asking for 14x14 halves it (2x2 averages) and crops columns 7..20 of the half-size image.
        using var tmp = new TempDir();
        var wide = new byte[56 * 28];
        for (int y = 0; y < 28; y++)
        {
            Ref.Image(30).Slice(y * 28, 28).CopyTo(wide.AsSpan(y * 56));
            Ref.Image(31).Slice(y * 28, 28).CopyTo(wide.AsSpan(y * 56 + 28));
        }
        Writers.Png(Path.Combine(tmp.Sub("c"), "wide.png"), wide, 56, 28, 1);

        var same = DataSource.Open(tmp.Path, new DataOptions(new Preprocessing([0f], [1f], Height: 28, Width: 28)));
        var crop = same.Batches(1).Single().Data;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                Assert.Equal(wide[y * 56 + x + 14] / 255f, crop[y * 28 + x], 1e-6f);

        var half = DataSource.Open(tmp.Path, new DataOptions(new Preprocessing([0f], [1f], Height: 14, Width: 14)));
        Assert.Equal([1L, 14, 14], half.SampleShape);
        var small = half.Batches(1).Single().Data;
        for (int y = 0; y < 14; y++)
            for (int x = 0; x < 14; x++)
            {
                int s = 2 * y * 56 + 2 * (x + 7);
                float expected = (wide[s] + wide[s + 1] + wide[s + 56] + wide[s + 57]) / 4f / 255f;
                Assert.Equal(expected, small[y * 14 + x], 1e-6f);
            }
    }

    [Fact]
    public void MixedSizes_WithoutInputSize_NameTheOddFile()
    {
        using var tmp = new TempDir();
        var dir = tmp.Sub("k");
        Writers.Png(Path.Combine(dir, "a.png"), Ref.Image(0), 28, 28, 1);
        Writers.Png(Path.Combine(dir, "b.png"), Ref.Image(1).Slice(0, 28 * 14), 28, 14, 1);

        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp.Path, new DataOptions(Preprocessing.Identity)));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("b.png", e.Message);
        Assert.Contains("28x14", e.Message);

        // With an input size the same folder is fine.
        var ok = DataSource.Open(tmp.Path, new DataOptions(new Preprocessing([0f], [1f], Height: 14, Width: 14)));
        Assert.Equal(2, ok.Batches(2).Single().Count);
    }

    [Fact]
    public void UnreadableImage_FailsAtOpen_NamingIt()
    {
        using var tmp = new TempDir();
        var dir = tmp.Sub("k");
        Writers.Png(Path.Combine(dir, "a.png"), Ref.Image(0), 28, 28, 1);
        File.WriteAllBytes(Path.Combine(dir, "broken.jpg"), [1, 2, 3, 4, 5, 6, 7, 8]);

        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp.Path, new DataOptions(Preprocessing.Identity)));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("broken.jpg", e.Message);
    }

    [Fact]
    public void ClassFoldersWithoutImages_IsBadInput()
    {
        using var tmp = new TempDir();
        File.WriteAllText(Path.Combine(tmp.Sub("k"), "readme.txt"), "x");
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp.Path, new DataOptions(Preprocessing.Identity)));
        Assert.Contains("no images", e.Message);
    }
}
