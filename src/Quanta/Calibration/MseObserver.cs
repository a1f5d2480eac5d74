using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// Chooses the clipping range that minimises the expected quantization MSE estimated from the
/// histogram: values inside the range cost the rounding error Δ²/12 (Δ the scale
/// <see cref="QuantMath.FromRange"/> would pick for that range), values outside cost their squared
/// distance to the clip bound (bin centre, plus the bin's own w²/12). Prefix sums of n, n·c, n·c² make
/// each candidate O(1). Symmetric specs search T on the |x| histogram; asymmetric ones search both ends
/// (lower end in the negative half, upper end in the positive half), coarse then refined.
/// </summary>
internal sealed class MseObserver : HistogramObserver
{
    public MseObserver(int bins = Histogram.DefaultBins) : base(bins) { }

    public MseObserver(Histogram histogram) : base(histogram) { }

    protected override (double Min, double Max) ChooseRange(QuantSpec spec) =>
        spec.Symmetric ? Symmetric(spec) : Asymmetric(spec);

    (double, double) Symmetric(QuantSpec spec)
    {
        var h = Histogram;
        var (qmin, qmax) = QuantMath.Bounds(spec);
        long[] f = h.Folded();
        int nb = f.Length;
        while (nb > 0 && f[nb - 1] == 0) nb--;
        double w = h.BinWidth, absmax = Math.Max(-h.Min, h.Max);
        var s = new Sums(f, 0, w);
        int best = EntropyObserver.SearchMin(1, nb, i =>
        {
            double t = Math.Min(i * w, absmax);
            double step = QuantMath.ScaleZeroPoint(0, (float)t, spec, qmin, qmax).Scale;
            return s.Count(0, i) * step * step / 12 + s.Above(i, t);
        });
        double tt = best * w;
        return (-tt, tt);
    }

    (double, double) Asymmetric(QuantSpec spec)
    {
        var h = Histogram;
        var (qmin, qmax) = QuantMath.Bounds(spec);
        var c = h.Counts;
        int n = c.Length, half = n / 2, first = 0, last = n;
        while (first < n && c[first] == 0) first++;
        while (last > 0 && c[last - 1] == 0) last--;
        double w = h.BinWidth, r = h.Range;
        var s = new Sums(c, -r, w);
        int aLo = Math.Min(first, half), bHi = Math.Max(last, half);

        double Cost(int a, int b)
        {
            double lo = Math.Max(-r + a * w, h.Min), hi = Math.Min(-r + b * w, h.Max);
            if (lo > 0) lo = 0;
            if (hi < 0) hi = 0;
            double step = QuantMath.ScaleZeroPoint((float)lo, (float)hi, spec, qmin, qmax).Scale;
            return s.Count(a, b) * step * step / 12 + s.Below(a, lo) + s.Above(b, hi);
        }

        // Coarse grid over both ends, then a full neighbourhood around the best pair.
        int sa = Math.Max(1, (half - aLo + 63) / 64), sb = Math.Max(1, (bHi - half + 63) / 64);
        int bestA = aLo, bestB = bHi;
        double bestCost = Cost(aLo, bHi);
        for (int pass = 0; pass < 2; pass++)
        {
            int a0 = pass == 0 ? aLo : Math.Max(aLo, bestA - sa + 1), a1 = pass == 0 ? half : Math.Min(half, bestA + sa - 1);
            int b0 = pass == 0 ? half : Math.Max(half, bestB - sb + 1), b1 = pass == 0 ? bHi : Math.Min(bHi, bestB + sb - 1);
            int da = pass == 0 ? sa : 1, db = pass == 0 ? sb : 1;
            for (int a = a0; a <= a1; a += da)
                for (int b = b0; b <= b1; b += db)
                {
                    double cost = Cost(a, b);
                    if (cost < bestCost) { bestCost = cost; bestA = a; bestB = b; }
                }
            if (sa == 1 && sb == 1) break;
        }
        return (-r + bestA * w, -r + bestB * w);
    }

    /// <summary>Prefix sums of n, n·c and n·c² over bins with centres c_k = origin + (k + ½)·w.</summary>
    readonly struct Sums
    {
        readonly double[] _n, _c, _c2;
        readonly double _w2;

        public Sums(ReadOnlySpan<long> counts, double origin, double w)
        {
            _n = new double[counts.Length + 1];
            _c = new double[counts.Length + 1];
            _c2 = new double[counts.Length + 1];
            _w2 = w * w / 12;
            for (int k = 0; k < counts.Length; k++)
            {
                double x = origin + (k + 0.5) * w, m = counts[k];
                _n[k + 1] = _n[k] + m;
                _c[k + 1] = _c[k] + m * x;
                _c2[k + 1] = _c2[k] + m * x * x;
            }
        }

        public double Count(int a, int b) => _n[b] - _n[a];

        /// <summary>Σ_{k&lt;a} n_k((c_k − lo)² + w²/12): the error of clipping the left tail to lo.</summary>
        public double Below(int a, double lo) => Tail(0, a, lo);

        /// <summary>Σ_{k≥b} n_k((c_k − hi)² + w²/12): the error of clipping the right tail to hi.</summary>
        public double Above(int b, double hi) => Tail(b, _n.Length - 1, hi);

        double Tail(int from, int to, double bound)
        {
            double n = _n[to] - _n[from];
            if (n == 0) return 0;
            double s1 = _c[to] - _c[from], s2 = _c2[to] - _c2[from];
            return Math.Max(0, s2 - 2 * bound * s1 + bound * bound * n) + n * _w2;
        }
    }
}
