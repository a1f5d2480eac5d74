using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Tests.Numerics;

namespace Quanta.Tests.Calibration;

public class ObserverTests
{
    static readonly QuantSpec U8 = new(QuantType.UInt8);
    static readonly QuantSpec S8Sym = new(QuantType.Int8, Symmetric: true);

    static void ObserveInChunks(IObserver o, float[] x, int chunks)
    {
        int size = (x.Length + chunks - 1) / chunks;
        for (int i = 0; i < x.Length; i += size) o.Observe(x.AsSpan(i, Math.Min(size, x.Length - i)));
    }

    static double FakeQuantMse(float[] x, (float Min, float Max) range, QuantSpec spec)
    {
        var p = QuantMath.FromRange(range.Min, range.Max, spec);
        var y = new float[x.Length];
        QuantMath.FakeQuantize(x, p, [x.Length], y);
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += (double)(x[i] - y[i]) * (x[i] - y[i]);
        return s / x.Length;
    }

    [Fact]
    public void MinMaxEqualsTrueExtremesAndStreamsExactly()
    {
        var x = Synthetic.Gaussian(100_003, 1, 0.5f, 2f);
        var one = new MinMaxObserver();
        one.Observe(x);
        var many = new MinMaxObserver();
        ObserveInChunks(many, x, 100);
        Assert.Equal((x.Min(), x.Max()), one.Range(U8));
        Assert.Equal(one.Range(U8), many.Range(U8));
        Assert.Equal(x.Length, one.Count);
        Assert.Equal(x.Length, many.Count);
    }

    [Fact]
    public void NonFiniteValuesAreIgnoredEverywhere()
    {
        float[] x = [float.NaN, 1f, float.PositiveInfinity, -2f, float.NegativeInfinity, 0.5f, float.NaN, 3f, float.NaN, -1f, 2f, float.NaN];
        foreach (var m in Enum.GetValues<CalibrationMethod>().Where(m => m != CalibrationMethod.Auto)) // auto chooses among the others: no observer of its own
        {
            var o = ObserverFactory.Create(m, new CalibrationSettings(Bins: 64));
            o.Observe(x);
            Assert.Equal(6, o.Count);
            var (lo, hi) = o.Range(U8);
            Assert.True(float.IsFinite(lo) && float.IsFinite(hi) && lo >= -2f && hi <= 3f, $"{m}: [{lo}, {hi}]");
        }
        var mm = new MinMaxObserver();
        mm.Observe(x);
        Assert.Equal((-2f, 3f), mm.Range(U8)); // NaN does not poison the range
        var h = new Histogram(64);
        h.Add(x);
        Assert.Equal(6, h.Count);
        Assert.Equal(6, Sum(h.Counts));
    }

    [Fact]
    public void EmptyOrAllNonFiniteIsBadInput()
    {
        foreach (var m in Enum.GetValues<CalibrationMethod>().Where(m => m != CalibrationMethod.Auto)) // auto chooses among the others: no observer of its own
        {
            var o = ObserverFactory.Create(m);
            var e = Assert.Throws<QuantaException>(() => o.Range(U8));
            Assert.Equal(FailureKind.BadInput, e.Kind);
            o.Observe([float.NaN, float.PositiveInfinity]);
            o.Observe([]);
            Assert.Equal(0, o.Count);
            Assert.Contains("no finite values observed", Assert.Throws<QuantaException>(() => o.Range(U8)).Message);
        }
    }

    [Fact]
    public void MovingAverageFollowsPyTorchUpdate()
    {
        var o = new MovingAverageMinMaxObserver(0.1f);
        o.Observe([-1f, 1f]);
        o.Observe([-3f, 5f]);
        var (lo, hi) = o.Range(U8);
        Assert.Equal(-1f + 0.1f * (-3f - -1f), lo, 6);
        Assert.Equal(1f + 0.1f * (5f - 1f), hi, 6);
        o.Observe([float.NaN]); // skipped batch: no update
        Assert.Equal((lo, hi), o.Range(U8));
    }

    [Fact]
    public void MeanStdGivesThreeSigmaAndStreams()
    {
        var x = Synthetic.Gaussian(200_000, 2, 1f, 2f);
        var one = new MeanStdObserver();
        one.Observe(x);
        var many = new MeanStdObserver();
        ObserveInChunks(many, x, 100);
        Assert.Equal(1.0, one.Mean, 1e-2);
        Assert.Equal(2.0, one.Std, 1e-2);
        var (lo, hi) = one.Range(U8);
        Assert.Equal(1 - 6, lo, 0.05);
        Assert.Equal(1 + 6, hi, 0.05);
        Assert.Equal(one.Mean, many.Mean, 1e-9);
        Assert.Equal(one.Std, many.Std, 1e-9);

        var narrow = new MeanStdObserver(3);
        narrow.Observe([0f, 0f, 0f, 10f]); // mean 2.5, σ 4.33: [−10.5, 15.5] ∩ [0, 10]
        Assert.Equal((0f, 10f), narrow.Range(U8));
    }

    [Fact]
    public void PercentileIsWithinABinOfTheTrueQuantile()
    {
        var x = Synthetic.Gaussian(200_000, 3);
        var o = new PercentileObserver(99.99);
        o.Observe(x);
        double w = o.Histogram.BinWidth;

        var abs = x.Select(Math.Abs).OrderBy(v => v).ToArray();
        var (lo, hi) = o.Range(S8Sym);
        AssertQuantile(abs, 0.9999, hi, w);
        Assert.Equal(-hi, lo);

        var sorted = x.OrderBy(v => v).ToArray();
        var (alo, ahi) = o.Range(U8); // asymmetric: 0.005 % cut from each side
        AssertQuantile(sorted, 0.99995, ahi, w);
        AssertQuantile(sorted, 0.00005, alo, w);

        var relu = x.Select(v => Math.Max(v, 0f)).ToArray();
        var pr = new PercentileObserver(99.9);
        pr.Observe(relu);
        var (rlo, rhi) = pr.Range(U8);
        Assert.Equal(0f, rlo);
        AssertQuantile(relu.OrderBy(v => v).ToArray(), 0.999, rhi, pr.Histogram.BinWidth);
    }

    /// <summary>The q-quantile of n sorted values lies between order statistics ⌊qn⌋ and ⌈qn⌉ (1-based); allow one bin width.</summary>
    internal static void AssertQuantile(float[] sorted, double q, double estimate, double binWidth)
    {
        double rank = q * sorted.Length;
        int below = Math.Clamp((int)Math.Floor(rank) - 1, 0, sorted.Length - 1), above = Math.Clamp((int)Math.Ceiling(rank), 0, sorted.Length - 1);
        Assert.InRange(estimate, sorted[below] - binWidth, sorted[above] + binWidth);
    }

    [Fact]
    public void EntropyClipsHeavyTailsButFewValues()
    {
        // Pure Laplace(1): at 4 bits KL clips both tails; at 8 bits (127 levels per side) the
        // optimum sits in the far tail (≈ 10–11 for 200k samples), i.e. KL barely clips there.
        var x = Synthetic.Laplace(200_000, 4);
        float min = x.Min(), max = x.Max();
        foreach (var spec in new[] { new QuantSpec(QuantType.Int4, true), new QuantSpec(QuantType.UInt4) })
        {
            var o = new EntropyObserver();
            o.Observe(x);
            var (lo, hi) = o.Range(spec);
            Assert.True(lo > min && hi < max, $"[{lo}, {hi}] not inside [{min}, {max}]");
            int clipped = x.Count(v => v < lo || v > hi);
            Assert.True(clipped < 0.01 * x.Length, $"clipped {clipped}");
            Assert.True(hi > 3, $"threshold {hi} implausibly tight for Laplace(1) at 4 bits");
        }
        var e8 = new EntropyObserver();
        e8.Observe(x);
        var (_, t8) = e8.Range(S8Sym);
        Assert.InRange(t8, 8f, max);

        // Laplace plus rare activation outliers (0.01 % at ±40): 8-bit KL drops the outliers.
        var rng = new Random(40);
        var y = (float[])x.Clone();
        for (int i = 0; i < 20; i++) y[rng.Next(y.Length)] = i % 2 == 0 ? 40f : -40f;
        foreach (var spec in new[] { S8Sym, U8 })
        {
            var o = new EntropyObserver();
            o.Observe(y);
            var (lo, hi) = o.Range(spec);
            Assert.True(lo > -40 && hi < 40, $"[{lo}, {hi}]");
            Assert.True(hi <= max + 1 && hi > 8, $"threshold {hi}");
            Assert.True(y.Count(v => v < lo || v > hi) < 0.01 * y.Length);
        }

        // Non-negative data uses all 256 levels of uint8 and a [0, T] range.
        var pos = y.Select(Math.Abs).ToArray();
        var p = new EntropyObserver();
        p.Observe(pos);
        var (plo, phi) = p.Range(U8);
        Assert.True(plo >= 0 && phi < 40f);
    }

    [Theory]
    [InlineData(QuantType.UInt8, false)]
    [InlineData(QuantType.Int8, true)]
    [InlineData(QuantType.UInt4, false)]
    [InlineData(QuantType.Int4, true)]
    public void MseBeatsMinMaxOnHeavyTails(QuantType type, bool symmetric)
    {
        var x = Synthetic.Laplace(100_000, 5);
        var spec = new QuantSpec(type, symmetric);
        var mse = new MseObserver();
        mse.Observe(x);
        var mm = new MinMaxObserver();
        mm.Observe(x);
        double eMse = FakeQuantMse(x, mse.Range(spec), spec);
        double eMm = FakeQuantMse(x, mm.Range(spec), spec);
        Assert.True(eMse < 0.9 * eMm, $"{type}: mse {eMse} vs minmax {eMm}");
        // And no calibration method in the box beats it by much on its own objective.
        foreach (var m in new[] { CalibrationMethod.Percentile, CalibrationMethod.Entropy, CalibrationMethod.MeanStd })
        {
            var o = ObserverFactory.Create(m);
            o.Observe(x);
            Assert.True(eMse <= 1.1 * FakeQuantMse(x, o.Range(spec), spec), $"{type}: {m} beats mse");
        }
    }

    static long Sum(ReadOnlySpan<long> c)
    {
        long s = 0;
        foreach (long v in c) s += v;
        return s;
    }

    [Fact]
    public void MethodsParseByTheNamesUsersTypeAndOthersAreRefused()
    {
        Assert.Equal(CalibrationMethod.MinMax, Parse("minmax"));
        Assert.Equal(CalibrationMethod.MovingAverage, Parse("moving-average"));
        Assert.Equal(CalibrationMethod.MeanStd, Parse("meanstd"));
        Assert.Equal(CalibrationMethod.Percentile, Parse("Percentile"));
        Assert.Equal(CalibrationMethod.Entropy, Parse("entropy"));
        Assert.Equal(CalibrationMethod.Entropy, Parse("kl"));
        Assert.Equal(CalibrationMethod.Mse, Parse("mse"));
        Assert.Equal(CalibrationMethod.Auto, Parse("auto"));
        foreach (var m in Enum.GetValues<CalibrationMethod>())
            Assert.Equal(m, Parse(OptionNames.Of(m)));
        var e = Assert.Throws<QuantaException>(() => Parse("kmeans"));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Equal("unknown calibration method 'kmeans' (expected minmax, moving-average, meanstd, percentile, entropy, mse or auto)", e.Message);
        Assert.IsType<MovingAverageMinMaxObserver>(ObserverFactory.Create(CalibrationMethod.MovingAverage));
        Assert.IsType<MseObserver>(ObserverFactory.Create(CalibrationMethod.Mse));
        Assert.Throws<QuantaException>(() => ObserverFactory.Create(CalibrationMethod.Entropy, new CalibrationSettings(Bins: 1000)));
        Assert.Throws<QuantaException>(() => ObserverFactory.Create(CalibrationMethod.Percentile, new CalibrationSettings(Percentile: 120)));
    }

    static CalibrationMethod Parse(string name) => OptionNames.Parse<CalibrationMethod>(name, "calibration method");
}
