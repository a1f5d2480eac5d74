using Quanta.Numerics;

namespace Quanta.Tests.Numerics;

public class QuantMathTests
{
    static readonly QuantSpec U8 = new(QuantType.UInt8);
    static readonly QuantSpec S8 = new(QuantType.Int8);

    [Theory]
    [InlineData(2.5f, 2)]
    [InlineData(3.5f, 4)]
    [InlineData(-2.5f, -2)]
    [InlineData(-3.5f, -4)]
    [InlineData(0.5f, 0)]
    [InlineData(1.5f, 2)]
    [InlineData(2.4999998f, 2)]
    [InlineData(-0.5f, 0)]
    public void RoundsHalfToEven(float x, int expected) =>
        Assert.Equal(expected, QuantMath.Quantize(x, 1f, 0, -128, 127));

    [Theory]
    [InlineData(QuantType.UInt8, 0, 255)]
    [InlineData(QuantType.Int8, -128, 127)]
    [InlineData(QuantType.Int16, -32768, 32767)]
    [InlineData(QuantType.UInt16, 0, 65535)]
    [InlineData(QuantType.Int4, -8, 7)]
    [InlineData(QuantType.UInt4, 0, 15)]
    public void SaturatesAtBothEnds(QuantType t, int qmin, int qmax)
    {
        var (lo, hi) = QuantMath.Bounds(new QuantSpec(t));
        Assert.Equal((qmin, qmax), (lo, hi));
        Assert.Equal(qmax, QuantMath.Quantize(1e9f, 0.1f, 0, lo, hi));
        Assert.Equal(qmin, QuantMath.Quantize(-1e9f, 0.1f, 0, lo, hi));
        Assert.Equal(qmax, QuantMath.Quantize(float.PositiveInfinity, 0.1f, 0, lo, hi));
        Assert.Equal(qmin, QuantMath.Quantize(float.NegativeInfinity, 0.1f, 0, lo, hi));
        // The span (vectorised) path saturates identically, and maps NaN to the zero point.
        var p = new QuantParams([0.1f], [qmin], t, lo, hi);
        var x = new float[] { 1e9f, -1e9f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0, 1e9f, -1e9f, 0.25f, 0.35f };
        var q = new int[x.Length];
        QuantMath.Quantize(x, p, [x.Length], q);
        Assert.Equal(new[] { qmax, qmin, qmax, qmin, qmin, qmin, qmax, qmin, Math.Min(qmax, qmin + 2), Math.Min(qmax, qmin + 4) }, q);
    }

    [Fact]
    public void ReduceRangeAndSymmetricBounds()
    {
        Assert.Equal((0, 127), QuantMath.Bounds(new QuantSpec(QuantType.UInt8, ReduceRange: true)));
        Assert.Equal((-64, 63), QuantMath.Bounds(new QuantSpec(QuantType.Int8, ReduceRange: true)));
        Assert.Equal((-127, 127), QuantMath.Bounds(new QuantSpec(QuantType.Int8, Symmetric: true)));
        Assert.Equal((-63, 63), QuantMath.Bounds(new QuantSpec(QuantType.Int8, true, true)));
        Assert.Equal((-7, 7), QuantMath.Bounds(new QuantSpec(QuantType.Int4, Symmetric: true)));
        Assert.Equal((0, 7), QuantMath.Bounds(new QuantSpec(QuantType.UInt4, ReduceRange: true)));
        Assert.Equal((-32767, 32767), QuantMath.Bounds(new QuantSpec(QuantType.Int16, Symmetric: true)));
        Assert.Equal((-(1 << 30), (1 << 30) - 1), QuantMath.Bounds(new QuantSpec(QuantType.Int32, ReduceRange: true)));
        Assert.Equal((int.MinValue, int.MaxValue), QuantMath.Bounds(new QuantSpec(QuantType.Int32)));
    }

    [Fact]
    public void AsymmetricParamsMatchFormula()
    {
        var p = QuantMath.FromRange(-1f, 3f, U8);
        Assert.Equal(4f / 255f, p.Scale[0]);
        Assert.Equal(64, p.ZeroPoint[0]); // round(0 − (−1)/(4/255)) = round(63.75)
        Assert.Equal((0, 255), (p.QMin, p.QMax));
        Assert.True(p.PerTensor);

        // A positive-only range is extended to 0: zp = qmin.
        var r = QuantMath.FromRange(2f, 10f, S8);
        Assert.Equal(10f / 255f, r.Scale[0]);
        Assert.Equal(-128, r.ZeroPoint[0]);
    }

    [Fact]
    public void SymmetricZeroPointsAreCentred()
    {
        var s8 = QuantMath.FromRange(-2f, 5f, new QuantSpec(QuantType.Int8, Symmetric: true));
        Assert.Equal(0, s8.ZeroPoint[0]);
        Assert.Equal(5f / 127f, s8.Scale[0]);
        Assert.Equal(127, QuantMath.Quantize(5f, s8.Scale[0], 0, s8.QMin, s8.QMax));
        Assert.Equal(-127, QuantMath.Quantize(-5f, s8.Scale[0], 0, s8.QMin, s8.QMax));

        var u8 = QuantMath.FromRange(-2f, 5f, new QuantSpec(QuantType.UInt8, Symmetric: true));
        Assert.Equal(128, u8.ZeroPoint[0]);
        Assert.Equal(5f / 127f, u8.Scale[0]);
        Assert.Equal(1, QuantMath.Quantize(-5f, u8.Scale[0], 128, 0, 255));
        Assert.Equal(255, QuantMath.Quantize(5f, u8.Scale[0], 128, 0, 255));

        Assert.Equal(8, QuantMath.FromRange(-1, 1, new QuantSpec(QuantType.UInt4, Symmetric: true)).ZeroPoint[0]);
        Assert.Equal(0, QuantMath.FromRange(-1, 1, new QuantSpec(QuantType.Int4, Symmetric: true)).ZeroPoint[0]);
        Assert.Equal(64, QuantMath.FromRange(-1, 1, new QuantSpec(QuantType.UInt8, true, true)).ZeroPoint[0]);
    }

    [Fact]
    public void ZeroIsExactlyRepresentableForRandomRanges()
    {
        var rng = new Random(7);
        var types = new[] { QuantType.UInt8, QuantType.Int8, QuantType.UInt4, QuantType.Int4, QuantType.Int16, QuantType.UInt16 };
        for (int trial = 0; trial < 2000; trial++)
        {
            float a = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 6)));
            float b = (float)((rng.NextDouble() - 0.3) * Math.Pow(10, rng.Next(-6, 6)));
            var spec = new QuantSpec(types[trial % types.Length], Symmetric: trial % 3 == 0, ReduceRange: trial % 5 == 0);
            var p = QuantMath.FromRange(Math.Min(a, b), Math.Max(a, b), spec);
            Assert.True(p.Scale[0] > 0 && float.IsFinite(p.Scale[0]));
            Assert.InRange(p.ZeroPoint[0], p.QMin, p.QMax);
            int q = QuantMath.Quantize(0f, p.Scale[0], p.ZeroPoint[0], p.QMin, p.QMax);
            Assert.Equal(0f, QuantMath.Dequantize(q, p.Scale[0], p.ZeroPoint[0]));
        }
    }

    [Fact]
    public void DegenerateAndBadRanges()
    {
        var z = QuantMath.FromRange(0, 0, U8);
        Assert.Equal(1f, z.Scale[0]);
        Assert.Equal(0, z.ZeroPoint[0]);
        var zs = QuantMath.FromRange(0, 0, new QuantSpec(QuantType.UInt8, Symmetric: true));
        Assert.Equal((1f, 128), (zs.Scale[0], zs.ZeroPoint[0]));
        Assert.Equal(1f, QuantMath.FromRange(-1e-40f, 0, S8).Scale[0]); // subnormal scale replaced

        var huge = QuantMath.FromRange(-float.MaxValue, float.MaxValue, S8);
        Assert.True(float.IsFinite(huge.Scale[0]));

        foreach (var (lo, hi) in new[] { (float.NaN, 1f), (0f, float.PositiveInfinity), (float.NegativeInfinity, 0f), (2f, 1f) })
        {
            var e = Assert.Throws<QuantaException>(() => QuantMath.FromRange(lo, hi, U8));
            Assert.Equal(FailureKind.BadInput, e.Kind);
        }
        Assert.Throws<QuantaException>(() => QuantMath.PerTensor([1f, float.NaN, 2f], U8));
    }

    [Fact]
    public void VectorPathMatchesScalarDefinition()
    {
        var x = Synthetic.Gaussian(1001, 3, 0, 4);
        x[17] = 0.5f * 0.03125f * 3; // exact half-way cases
        x[18] = -0.5f * 0.03125f * 5;
        foreach (var spec in new[] { U8, S8, new QuantSpec(QuantType.Int4, true), new QuantSpec(QuantType.Int16), new QuantSpec(QuantType.Int32) })
        {
            var p = spec.Type == QuantType.Int32 ? new QuantParams([0.03125f], [0], spec.Type, int.MinValue, int.MaxValue) : QuantMath.FromRange(-3, 5, spec);
            var q = new int[x.Length];
            var y = new float[x.Length];
            var fq = new float[x.Length];
            QuantMath.Quantize(x, p, [x.Length], q);
            QuantMath.Dequantize(q, p, [x.Length], y);
            QuantMath.FakeQuantize(x, p, [x.Length], fq);
            for (int i = 0; i < x.Length; i++)
            {
                int expected = QuantMath.Quantize(x[i], p.Scale[0], p.ZeroPoint[0], p.QMin, p.QMax);
                Assert.Equal(expected, q[i]);
                Assert.Equal((expected - p.ZeroPoint[0]) * p.Scale[0], y[i]);
                Assert.Equal(y[i], fq[i]);
            }
        }
    }

    [Fact]
    public void FakeQuantizeErrorIsAtMostHalfAStepInsideTheRange()
    {
        var x = Synthetic.Uniform(10_000, 11, -2f, 6f);
        foreach (var spec in new[] { U8, S8, new QuantSpec(QuantType.Int4), new QuantSpec(QuantType.Int8, true), new QuantSpec(QuantType.UInt4, true) })
        {
            var p = QuantMath.FromRange(-2f, 6f, spec);
            var y = new float[x.Length];
            QuantMath.FakeQuantize(x, p, [x.Length], y);
            float s = p.Scale[0];
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(x[i] - y[i]) <= s / 2 * (1 + 1e-5f), $"{spec}: {x[i]} → {y[i]}, scale {s}");
        }
    }

    // Naive reference: element (o, c, i) of an [outer, dim, inner] view, block index c / B.
    static (float min, float max) NaiveRange(float[] w, long[] shape, int axis, Func<int[], bool> member)
    {
        float mn = 0, mx = 0;
        var idx = new int[shape.Length];
        for (int flat = 0; flat < w.Length; flat++)
        {
            int rem = flat;
            for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = (int)(rem % shape[d]); rem /= (int)shape[d]; }
            if (!member(idx)) continue;
            mn = Math.Min(mn, w[flat]);
            mx = Math.Max(mx, w[flat]);
        }
        return (mn, mx);
    }

    [Fact]
    public void PerChannelMatchesNaiveReference()
    {
        long[] shape = [3, 4, 5];
        var w = Synthetic.Gaussian(60, 5);
        for (int axis = 0; axis < 3; axis++)
        {
            var p = QuantMath.PerChannel(w, shape, axis, S8);
            Assert.Equal(axis, p.Axis);
            Assert.Equal(shape[axis], p.Scale.Length);
            Assert.Equal([shape[axis]], QuantMath.ParamShape(p, shape));
            for (int c = 0; c < shape[axis]; c++)
            {
                var (mn, mx) = NaiveRange(w, shape, axis, idx => idx[axis] == c);
                var r = QuantMath.FromRange(mn, mx, S8);
                Assert.Equal(r.Scale[0], p.Scale[c]);
                Assert.Equal(r.ZeroPoint[0], p.ZeroPoint[c]);
            }
            var q = new int[w.Length];
            QuantMath.Quantize(w, p, shape, q);
            var idx2 = new int[3];
            for (int flat = 0; flat < w.Length; flat++)
            {
                int rem = flat;
                for (int d = 2; d >= 0; d--) { idx2[d] = (int)(rem % shape[d]); rem /= (int)shape[d]; }
                int c = idx2[axis];
                Assert.Equal(QuantMath.Quantize(w[flat], p.Scale[c], p.ZeroPoint[c], p.QMin, p.QMax), q[flat]);
            }
        }
        Assert.Equal(2, QuantMath.PerChannel(w, shape, -1, S8).Axis); // negative axis normalised
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 3)] // 7 along axis 1 → blocks of 3, 3, 1
    [InlineData(2, 4)]
    public void BlockedMatchesNaiveReference(int axis, int block)
    {
        long[] shape = [2, 7, 4];
        var w = Synthetic.Laplace(56, 9);
        var spec = new QuantSpec(QuantType.Int4, Symmetric: true);
        var p = QuantMath.Blocked(w, shape, axis, block, spec);
        var pshape = QuantMath.ParamShape(p, shape);
        var expectedShape = (long[])shape.Clone();
        expectedShape[axis] = (shape[axis] + block - 1) / block;
        Assert.Equal(expectedShape, pshape);
        Assert.Equal(pshape.Aggregate(1L, (a, b) => a * b), p.Scale.Length);

        var y = new float[w.Length];
        QuantMath.FakeQuantize(w, p, shape, y);
        var idx = new int[3];
        for (int flat = 0; flat < w.Length; flat++)
        {
            int rem = flat;
            for (int d = 2; d >= 0; d--) { idx[d] = (int)(rem % shape[d]); rem /= (int)shape[d]; }
            var sidx = (int[])idx.Clone();
            sidx[axis] /= block;
            int pflat = (int)((sidx[0] * pshape[1] + sidx[1]) * pshape[2] + sidx[2]);
            var (mn, mx) = NaiveRange(w, shape, axis, j =>
                Enumerable.Range(0, 3).All(d => d == axis ? j[d] / block == sidx[d] : j[d] == idx[d]));
            var r = QuantMath.FromRange(mn, mx, spec);
            Assert.Equal(r.Scale[0], p.Scale[pflat]);
            Assert.Equal(r.ZeroPoint[0], p.ZeroPoint[pflat]);
            int q = QuantMath.Quantize(w[flat], r.Scale[0], r.ZeroPoint[0], p.QMin, p.QMax);
            Assert.Equal(QuantMath.Dequantize(q, r.Scale[0], r.ZeroPoint[0]), y[flat]);
        }
    }

    [Fact]
    public void SqnrAndCosine()
    {
        float[] r = [1, 2, 3, 4];
        Assert.Equal(QuantMath.SqnrCapDb, QuantMath.Sqnr(r, r));
        float[] a = [1.1f, 2, 3, 4]; // noise 0.01, signal 30 → 10·log10(3000) = 34.77 dB
        Assert.Equal(10 * Math.Log10(30 / ((double)(1.1f - 1) * (1.1f - 1))), QuantMath.Sqnr(r, a), 3);
        Assert.Equal(-QuantMath.SqnrCapDb, QuantMath.Sqnr([0, 0], [1, 0]));
        Assert.Equal(1f, QuantMath.Cosine(r, r), 6);
        Assert.Equal(-1f, QuantMath.Cosine([1, 0], [-2, 0]), 6);
        Assert.Equal(0f, QuantMath.Cosine([1, 0], [0, 3]), 6);
        Assert.Equal(1f, QuantMath.Cosine([0, 0], [0, 0]));
        Assert.Equal(0f, QuantMath.Cosine([0, 0], [1, 0]));
    }
}
