using Quanta.Data;

namespace Quanta.Tests.Data;

/// <summary>Every bad input fails with a one-line BadInput naming the file, never a raw I/O exception.</summary>
public class BadInputTests
{
    static string Demo => Path.Combine(TestData.DemoDir, "fashion-mnist");
    static DataOptions Plain => new(TestData.FashionPreprocessing);

    static QuantaException Bad(Func<object> open)
    {
        var e = Assert.Throws<QuantaException>(open);
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    /// <summary>Copies the demo IDX files for one split into a temp folder, optionally altered.</summary>
    static void CopySplit(TempDir tmp, string prefix, bool labels = true)
    {
        File.Copy(Path.Combine(Demo, $"{prefix}-images-idx3-ubyte.gz"), tmp[$"{prefix}-images-idx3-ubyte.gz"]);
        if (labels) File.Copy(Path.Combine(Demo, $"{prefix}-labels-idx1-ubyte.gz"), tmp[$"{prefix}-labels-idx1-ubyte.gz"]);
    }

    [Fact]
    public void FolderWithoutIdxOrClasses()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["readme.txt"], "nothing here");
        var e = Bad(() => DataSource.Open(tmp.Path, Plain));
        Assert.Equal($"{tmp.Path}: no IDX files (train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz]), no .npz files and no class sub-folders of images", e.Message);
    }

    [Fact]
    public void IdxFolderWithoutSplit_AsksForOne()
    {
        var e = Bad(() => DataSource.Open(Demo, Plain));
        Assert.Contains(":train", e.Message);
        Assert.Contains(":test", e.Message);
    }

    [Fact]
    public void SplitOnFolderWithoutIdx()
    {
        using var tmp = new TempDir();
        tmp.Sub("class");
        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains("no IDX files", e.Message);
    }

    [Fact]
    public void MissingPath()
    {
        var e = Bad(() => DataSource.Open("/nonexistent/quanta-data:test", Plain));
        Assert.Contains("/nonexistent/quanta-data", e.Message);
        Assert.Contains("no such file or folder", e.Message);
    }

    [Fact]
    public void UnsupportedFileType()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["data.csv"], "1,2,3");
        var e = Bad(() => DataSource.Open(tmp["data.csv"], Plain));
        Assert.Contains("unsupported data file", e.Message);
    }

    [Fact]
    public void TruncatedGzip_FailsAtOpen()
    {
        using var tmp = new TempDir();
        CopySplit(tmp, "t10k");
        var images = tmp["t10k-images-idx3-ubyte.gz"];
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains(images, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TruncatedRawIdx_FailsAtOpen()
    {
        using var tmp = new TempDir();
        CopySplit(tmp, "t10k");
        var raw = IdxReference.Gunzip(tmp["t10k-images-idx3-ubyte.gz"]);
        File.Delete(tmp["t10k-images-idx3-ubyte.gz"]);
        File.WriteAllBytes(tmp["t10k-images-idx3-ubyte"], raw.AsSpan(0, raw.Length - 500).ToArray());

        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void RawIdx_IsReadLikeGzip()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp["t10k-images-idx3-ubyte"], IdxReference.Gunzip(Path.Combine(Demo, "t10k-images-idx3-ubyte.gz")));
        File.WriteAllBytes(tmp["t10k-labels-idx1-ubyte"], IdxReference.Gunzip(Path.Combine(Demo, "t10k-labels-idx1-ubyte.gz")));
        var raw = BatchUtil.ReadAll(DataSource.Open(tmp.Path + ":test", new DataOptions(Preprocessing.Identity, 300, 4)), 128);
        var gz = BatchUtil.ReadAll(DataSource.Open(Demo + ":test", new DataOptions(Preprocessing.Identity, 300, 4)), 128);
        Assert.Equal(gz.Labels, raw.Labels);
        Assert.Equal(gz.Data, raw.Data);
    }

    [Fact]
    public void MissingLabelFile()
    {
        using var tmp = new TempDir();
        CopySplit(tmp, "t10k", labels: false);
        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
    }

    [Fact]
    public void MissingSplit()
    {
        using var tmp = new TempDir();
        CopySplit(tmp, "t10k");
        var e = Bad(() => DataSource.Open(tmp.Path + ":train", Plain));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void WrongMagicNumber()
    {
        using var tmp = new TempDir();
        // A label file where the images should be.
        File.Copy(Path.Combine(Demo, "t10k-labels-idx1-ubyte.gz"), tmp["t10k-images-idx3-ubyte.gz"]);
        File.Copy(Path.Combine(Demo, "t10k-labels-idx1-ubyte.gz"), tmp["t10k-labels-idx1-ubyte.gz"]);
        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("magic number 0x00000801", e.Message);
    }

    [Fact]
    public void NotGzipAtAll()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["t10k-images-idx3-ubyte.gz"], "this is not gzip data, just some text that is long enough");
        File.Copy(Path.Combine(Demo, "t10k-labels-idx1-ubyte.gz"), tmp["t10k-labels-idx1-ubyte.gz"]);
        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
    }

    [Fact]
    public void LabelCountDiffersFromImageCount()
    {
        using var tmp = new TempDir();
        CopySplit(tmp, "t10k", labels: false);
        File.Copy(Path.Combine(Demo, "train-labels-idx1-ubyte.gz"), tmp["t10k-labels-idx1-ubyte.gz"]);
        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains("1000 labels for 2000 images", e.Message);
    }

    [Fact]
    public void EmptyIdx()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp["t10k-images-idx3-ubyte"], [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]);
        File.WriteAllBytes(tmp["t10k-labels-idx1-ubyte"], [0, 0, 8, 1, 0, 0, 0, 0]);
        var e = Bad(() => DataSource.Open(tmp.Path + ":test", Plain));
        Assert.Contains("empty data set", e.Message);
    }

    [Fact]
    public void BadPreprocessing()
    {
        var e = Bad(() => DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing([0.1f, 0.2f], [1f]))));
        Assert.Contains("2 mean values for 1 channel", e.Message);
        e = Bad(() => DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing([0f], [0f]))));
        Assert.Contains("std", e.Message);
        e = Bad(() => DataSource.Open(Demo + ":test", new DataOptions(new Preprocessing([0f], [1f], Channels: 2))));
        Assert.Contains("channels", e.Message);
    }

    [Fact]
    public void NonPositiveBatchSize()
    {
        var ds = DataSource.Open(Demo + ":test", Plain);
        var e = Bad(() => ds.Batches(0));
        Assert.Contains("batch size", e.Message);
    }

    [Theory]
    [InlineData("/data/fmnist:train", "/data/fmnist", "train")]
    [InlineData("/data/fmnist:test", "/data/fmnist", "test")]
    [InlineData("C:/data/fmnist:test", "C:/data/fmnist", "test")]
    [InlineData("/data/a:b", "/data/a:b", null)]
    [InlineData("/data/x.npy", "/data/x.npy", null)]
    public void SpecSplitsOnLastColon(string spec, string path, string? split)
    {
        Assert.Equal((path, split), DataSource.SplitSpec(spec));
    }
}
