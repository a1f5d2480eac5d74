using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Tests.Numerics;

namespace Quanta.Tests.Calibration;

public class HistogramTests
{
    [Fact]
    public void BinsValuesOnPowerOfTwoRange()
    {
        var h = new Histogram(16);
        h.Add([0f, 0.1f, -0.1f, 3f, -4f, 4f]);
        Assert.Equal(4.0, h.Range); // absmax 4 is a power of two
        Assert.Equal(0.5, h.BinWidth);
        var c = h.Counts.ToArray();
        Assert.Equal(1, c[0]);  // −4
        Assert.Equal(1, c[7]);  // −0.1 ∈ [−0.5, 0)
        Assert.Equal(2, c[8]);  // 0 and 0.1 ∈ [0, 0.5)
        Assert.Equal(1, c[14]); // 3 ∈ [3, 3.5)
        Assert.Equal(1, c[15]); // 4 = R goes to the last bin
        Assert.Equal(6, c.Sum());
    }

    [Fact]
    public void GrowthKeepsCountAndMassAndMatchesDirectBinning()
    {
        var small = Synthetic.Gaussian(50_000, 1, 0, 0.01f);
        var large = Synthetic.Laplace(50_000, 2, 30f);
        var grown = new Histogram();
        grown.Add(small);
        double r0 = grown.Range;
        long[] before = grown.Counts.ToArray();
        grown.Add(large);
        Assert.True(grown.Range >= r0 * 1024);
        Assert.Equal(100_000, grown.Count);
        Assert.Equal(100_000, grown.Counts.ToArray().Sum());
        // All of the small data's mass is still in the two bins around zero.
        Assert.Equal(50_000, before.Sum());

        var direct = new Histogram();
        direct.Add([.. small, .. large]);
        Assert.Equal(direct.Range, grown.Range);
        Assert.Equal(direct.Counts.ToArray(), grown.Counts.ToArray());
        Assert.Equal(direct.Min, grown.Min);
        Assert.Equal(direct.Max, grown.Max);
    }

    [Fact]
    public void OneChunkAndHundredChunksGiveIdenticalCounts()
    {
        var x = Synthetic.Laplace(100_001, 3, 2f);
        // Put the extremes late so the many-chunk histogram has to grow several times.
        Array.Sort(x, (a, b) => Math.Abs(a).CompareTo(Math.Abs(b)));
        var one = new Histogram();
        one.Add(x);
        var many = new Histogram();
        for (int i = 0; i < x.Length; i += 1000) many.Add(x.AsSpan(i, Math.Min(1000, x.Length - i)));
        Assert.Equal(one.Counts.ToArray(), many.Counts.ToArray());
        Assert.Equal(one.Range, many.Range);

        var merged = new Histogram();
        var part = new Histogram();
        merged.Add(x.AsSpan(0, 50_000));
        part.Add(x.AsSpan(50_000));
        merged.Merge(part);
        Assert.Equal(one.Counts.ToArray(), merged.Counts.ToArray());
        Assert.Equal(one.Count, merged.Count);
    }

    [Fact]
    public void CountsMatchNaiveBinning()
    {
        var x = Synthetic.Gaussian(10_007, 4, 0.3f, 1.7f);
        var h = new Histogram(256);
        h.Add(x);
        var naive = new long[256];
        double w = h.BinWidth;
        foreach (float v in x) naive[Math.Min(255, (int)Math.Floor((v + h.Range) / w))]++;
        Assert.Equal(naive, h.Counts.ToArray());
    }

    [Fact]
    public void AllZeroThenDataGrowsFromTheFloor()
    {
        var h = new Histogram(64);
        h.Add(new float[100]);
        Assert.Equal(Math.ScaleB(1.0, Histogram.MinExponent), h.Range);
        h.Add([1f, -1f]);
        Assert.Equal(1.0, h.Range);
        Assert.Equal(100, h.Counts[32]);
        Assert.Equal(102, h.Count);
        Assert.InRange(h.Quantile(0.5), 0.0, h.BinWidth); // all zeros sit in bin [0, w)
    }

    [Fact]
    public void QuantileIsWithinOneBin()
    {
        var x = Synthetic.Uniform(100_000, 6, -1f, 3f);
        var h = new Histogram();
        h.Add(x);
        var s = x.OrderBy(v => v).ToArray();
        foreach (double q in new[] { 0.001, 0.1, 0.5, 0.9, 0.999 })
            ObserverTests.AssertQuantile(s, q, h.Quantile(q), h.BinWidth);
        Assert.Equal(s[0], h.Quantile(0));
        Assert.Equal(s[^1], h.Quantile(1));
    }

    [Fact]
    public void RejectsBadBinCounts()
    {
        Assert.Throws<QuantaException>(() => new Histogram(1000));
        Assert.Throws<QuantaException>(() => new Histogram(8));
    }
}
