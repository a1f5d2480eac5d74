using Quanta.Data;

namespace Quanta.Tests.Data;

public class SubsetTests
{
    static string Demo => Path.Combine(TestData.DemoDir, "fashion-mnist") + ":test";

    static DataOptions Options(int? count, int seed) => new(Preprocessing.Identity, count, seed);

    [Fact]
    public void SameSeed_SameSamples_DifferentSeed_DifferentSamples()
    {
        var a = BatchUtil.ReadAll(DataSource.Open(Demo, Options(100, 42)), 32);
        var b = BatchUtil.ReadAll(DataSource.Open(Demo, Options(100, 42)), 64);
        var c = BatchUtil.ReadAll(DataSource.Open(Demo, Options(100, 43)), 32);

        Assert.Equal(100, a.Labels!.Length);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Data, b.Data);
        Assert.NotEqual(a.Data, c.Data);
        Assert.NotEqual(a.Labels, c.Labels);
        Assert.Equal([32, 32, 32, 4], a.Sizes);
    }

    [Fact]
    public void Subset_IsDistinctSamples_InAscendingFileOrder()
    {
        var reference = IdxReference.DemoTest;
        var ds = DataSource.Open(Demo, Options(50, 7));
        Assert.Equal(50, ds.Count);
        Assert.Contains("50 of 2000 images", ds.Description);

        // Locate each yielded image in the file by searching forward from the previous hit:
        // this succeeds for every sample only if the subset comes in ascending file order.
        int next = 0;
        var indices = new List<int>();
        foreach (var batch in ds.Batches(16))
            for (int i = 0; i < batch.Count; i++)
            {
                var sample = batch.Data.AsSpan(i * 784, 784);
                int found = -1;
                for (int k = next; k < reference.Count && found < 0; k++)
                    if (Same(reference.Image(k), sample)) found = k;
                Assert.True(found >= 0, $"sample {indices.Count} not found after file index {next}");
                Assert.Equal(reference.Labels[found], batch.Labels![i]);
                indices.Add(found);
                next = found + 1;
            }
        Assert.Equal(50, indices.Distinct().Count());
        // A shuffle, not a prefix: the subset reaches well into the file.
        Assert.True(indices[^1] > 1000);
    }

    static bool Same(ReadOnlySpan<byte> image, ReadOnlySpan<float> sample)
    {
        for (int p = 0; p < image.Length; p++)
            if (image[p] / 255f != sample[p]) return false;
        return true;
    }

    [Fact]
    public void CountAboveAvailable_GivesAll_InFileOrder()
    {
        var all = BatchUtil.ReadAll(DataSource.Open(Demo, Options(null, 0)), 500);
        var more = BatchUtil.ReadAll(DataSource.Open(Demo, Options(5000, 9)), 500);
        Assert.Equal(2000, more.Labels!.Length);
        Assert.Equal(all.Labels, more.Labels);
        Assert.Equal(IdxReference.DemoTest.Labels.Select(l => (int)l), all.Labels!);
    }

    [Fact]
    public void Selector_IsSeededSortedAndDistinct()
    {
        var a = SubsetSelector.Select(1000, 100, 5, "x")!;
        var b = SubsetSelector.Select(1000, 100, 5, "x")!;
        Assert.Equal(a, b);
        Assert.Equal(a.Order(), a);
        Assert.Equal(100, a.Distinct().Count());
        Assert.All(a, i => Assert.InRange(i, 0, 999));
        Assert.NotEqual(a, SubsetSelector.Select(1000, 100, 6, "x")!);
        Assert.Null(SubsetSelector.Select(1000, null, 5, "x"));
        Assert.Null(SubsetSelector.Select(1000, 1000, 5, "x"));
    }

    [Fact]
    public void NonPositiveCount_IsBadInput()
    {
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(Demo, Options(0, 0)));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("count", e.Message);
    }
}
