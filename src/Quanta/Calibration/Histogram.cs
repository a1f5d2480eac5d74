using System.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// Streaming histogram of finite values over a symmetric range [−R, R] with a fixed number of bins
/// (a power of two, default 2048), so one pass, bounded memory and no stored values.
/// <para>
/// R is always a power of two (at least 2^−100). When a value falls outside, R doubles (as many times
/// as needed) and adjacent bins merge pairwise into the middle of the new histogram. Zero lies on the
/// edge between bins N/2−1 and N/2, so the negative half mirrors the positive one and the |x| histogram
/// is an exact fold (<see cref="Folded"/>). Because R and the bin width are powers of two,
/// <c>x · N/(2R)</c> is exact and <c>floor</c> of it commutes with halving: observing the data in one
/// chunk or in many gives bit-identical counts, whatever the growth path.
/// </para>
/// </summary>
public sealed class Histogram
{
    public const int DefaultBins = 2048;
    /// <summary>Smallest R (2^−100): keeps N/(2R) a normal float for any bin count up to 2^24.</summary>
    public const int MinExponent = -100;

    readonly long[] _counts;
    int[]? _scratch;

    /// <summary>Number of bins N.</summary>
    public int Bins { get; }
    /// <summary>R = 2^Exponent.</summary>
    public int Exponent { get; private set; } = MinExponent;
    /// <summary>Half-width R of the covered range [−R, R].</summary>
    public double Range => Math.ScaleB(1.0, Exponent);
    public double BinWidth => 2 * Range / Bins;
    public long Count { get; private set; }
    /// <summary>Smallest finite value seen (+∞ when none).</summary>
    public float Min { get; private set; } = float.PositiveInfinity;
    /// <summary>Largest finite value seen (−∞ when none).</summary>
    public float Max { get; private set; } = float.NegativeInfinity;
    /// <summary>Bin i counts values in [−R + i·w, −R + (i+1)·w) (the last bin also holds R).</summary>
    public ReadOnlySpan<long> Counts => _counts;

    public Histogram(int bins = DefaultBins)
    {
        if (bins < 16 || bins > (1 << 24) || !BitOperations.IsPow2(bins))
            throw QuantaException.BadInput($"histogram bins must be a power of two between 16 and 2^24, got {bins}");
        Bins = bins;
        _counts = new long[bins];
    }

    /// <summary>Rebuilds a histogram from saved state (see <see cref="TensorStats"/>).</summary>
    public static Histogram Restore(long[] counts, double range, float min, float max)
    {
        var h = new Histogram(counts.Length);
        int e = Math.ILogB(range);
        if (!(range > 0) || Math.ScaleB(1.0, e) != range || e < MinExponent)
            throw QuantaException.BadInput($"histogram range {range} is not a power of two ≥ 2^{MinExponent}");
        long total = 0;
        foreach (long c in counts)
        {
            if (c < 0) throw QuantaException.BadInput("histogram has a negative count");
            total += c;
        }
        counts.CopyTo(h._counts, 0);
        h.Exponent = e;
        h.Count = total;
        h.Min = total == 0 ? float.PositiveInfinity : min;
        h.Max = total == 0 ? float.NegativeInfinity : max;
        return h;
    }

    /// <summary>Lower edge of bin <paramref name="i"/>.</summary>
    public double BinLower(int i) => -Range + i * BinWidth;

    /// <summary>Adds the finite values of <paramref name="values"/>; NaN and ±Inf are ignored.</summary>
    public void Add(ReadOnlySpan<float> values) => Add(values, 1);

    /// <summary>
    /// Adds every <paramref name="sampleStride"/>-th value to the counts, from index <paramref name="firstSample"/>;
    /// min, max and the range still see every value. Counts then describe a uniform sample, which is all
    /// percentiles and divergences need. A batch observed in pieces samples exactly the values the whole
    /// batch would when each piece starts where the whole batch's stride lands in it.
    /// </summary>
    public void Add(ReadOnlySpan<float> values, int sampleStride, int firstSample = 0) =>
        Add(values, sampleStride, firstSample, FiniteStats.MinMax(values));

    /// <summary>As above, with the values' finite min, max and count already measured (one pass serves several histograms).</summary>
    public void Add(ReadOnlySpan<float> values, int sampleStride, int firstSample, (float Min, float Max, int Count) stats)
    {
        var (mn, mx, n) = stats;
        if (n == 0) return;
        GrowTo(NeededExponent(Math.Max(-mn, mx)));
        Min = Math.Min(Min, mn);
        Max = Math.Max(Max, mx);
        if (sampleStride > 1 || firstSample > 0)
        {
            AddSample(values, sampleStride, firstSample);
            return;
        }
        Count += n;

        // Four interleaved sub-histograms break the store→load dependency when neighbouring values
        // hit the same bin; slot N of each is a sink for non-finite lanes, so the loop has no branch.
        int bins = Bins, half = bins / 2, stride = bins + 1;
        var scratch = _scratch ??= new int[4 * stride];
        float inv = (float)Math.ScaleB(1.0, BitOperations.Log2((uint)bins) - 1 - Exponent); // N/(2R), exact
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vinv = new Vector<float>(inv);
            var vinf = new Vector<float>(float.PositiveInfinity);
            var vhalf = new Vector<int>(half);
            var vlast = new Vector<int>(bins - 1);
            var vsink = new Vector<int>(bins);
            Span<int> idx = stackalloc int[Vector<int>.Count];
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values.Slice(i));
                var finite = Vector.LessThan(Vector.Abs(v), vinf);
                var b = Vector.Min(Vector.ConvertToInt32(Vector.Floor(v * vinv)) + vhalf, vlast);
                Vector.ConditionalSelect(finite, b, vsink).CopyTo(idx);
                for (int k = 0; k < idx.Length; k++) scratch[(k & 3) * stride + idx[k]]++;
            }
        }
        for (; i < values.Length; i++)
        {
            float v = values[i];
            if (!float.IsFinite(v)) continue;
            int b = Math.Min((int)MathF.Floor(v * inv) + half, bins - 1);
            scratch[b]++;
        }
        for (int s = 0; s < 4; s++)
        {
            var sub = scratch.AsSpan(s * stride, stride);
            for (int b = 0; b < bins; b++) _counts[b] += sub[b];
            sub.Clear();
        }
    }

    void AddSample(ReadOnlySpan<float> values, int stride, int first)
    {
        int bins = Bins, half = bins / 2;
        float inv = (float)Math.ScaleB(1.0, BitOperations.Log2((uint)bins) - 1 - Exponent);
        long added = 0;
        for (int i = first; i < values.Length; i += stride)
        {
            float v = values[i];
            if (!float.IsFinite(v)) continue;
            _counts[Math.Min((int)MathF.Floor(v * inv) + half, bins - 1)]++;
            added++;
        }
        Count += added;
    }

    /// <summary>Adds another histogram with the same number of bins (e.g. from a parallel worker).</summary>
    public void Merge(Histogram other)
    {
        if (other.Bins != Bins) throw new ArgumentException($"cannot merge a {other.Bins}-bin histogram into a {Bins}-bin one");
        if (other.Count == 0) return;
        GrowTo(other.Exponent);
        int shift = Math.Min(Exponent - other.Exponent, 31), half = Bins / 2;
        for (int k = 0; k < Bins; k++)
            if (other._counts[k] != 0) _counts[half + ((k - half) >> shift)] += other._counts[k];
        Count += other.Count;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>Histogram of |x|: N/2 bins of width w over [0, R] (bin j = [j·w, (j+1)·w]).</summary>
    public long[] Folded()
    {
        int half = Bins / 2;
        var f = new long[half];
        for (int j = 0; j < half; j++) f[j] = _counts[half + j] + _counts[half - 1 - j];
        return f;
    }

    /// <summary>
    /// Value below which a fraction <paramref name="q"/> of the values lie, interpolating linearly inside
    /// the bin that holds that rank (so within one bin width of the exact order statistic), clamped to [Min, Max].
    /// </summary>
    public double Quantile(double q) =>
        Math.Clamp(QuantileOf(_counts, q, BinLower(0)), Min, Max);

    /// <summary>Quantile of |x| (see <see cref="Quantile"/>), clamped to max |x|.</summary>
    public double AbsQuantile(double q) =>
        Math.Min(QuantileOf(Folded(), q, 0), Math.Max(-Min, Max));

    double QuantileOf(ReadOnlySpan<long> counts, double q, double lower0)
    {
        if (Count == 0) throw QuantaException.BadInput("no finite values observed");
        double target = Math.Clamp(q, 0, 1) * Count, cum = 0, w = BinWidth;
        int last = 0;
        for (int b = 0; b < counts.Length; b++)
        {
            if (counts[b] == 0) continue;
            last = b;
            if (cum + counts[b] >= target)
                return lower0 + w * (b + Math.Max(0, target - cum) / counts[b]);
            cum += counts[b];
        }
        return lower0 + w * (last + 1);
    }

    static int NeededExponent(float absmax)
    {
        if (!(absmax > 0)) return MinExponent;
        int e = Math.ILogB((double)absmax);
        if (Math.ScaleB(1.0, e) < absmax) e++;
        return Math.Max(e, MinExponent);
    }

    /// <summary>Doubles R until R = 2^<paramref name="exponent"/>: bin k moves to N/2 + floor((k − N/2) / 2^s).</summary>
    void GrowTo(int exponent)
    {
        int s = exponent - Exponent;
        if (s <= 0) return;
        Exponent = exponent;
        if (Count == 0) return;
        int half = Bins / 2, shift = Math.Min(s, 31);
        var old = (long[])_counts.Clone();
        Array.Clear(_counts);
        for (int k = 0; k < Bins; k++)
            if (old[k] != 0) _counts[half + ((k - half) >> shift)] += old[k];
    }
}
