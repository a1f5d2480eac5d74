using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT", GTC 2017): on the |x|
/// histogram, for each candidate threshold i (in bins) from the number of quantization levels up,
/// P = the first i bins with everything beyond folded into bin i−1, Q = the first i bins (without the
/// outliers) merged into L levels and expanded back evenly over the bins where P is non-zero;
/// the threshold with the smallest KL(P‖Q) wins. L = 2^(b−1) levels for a symmetric spec, 2^b for
/// non-negative data with an asymmetric spec, and for mixed-sign data with an asymmetric spec the
/// share of 2^b that the larger side of the range occupies.
/// A Q bin that is empty where P is not gets 1e−4 counts (MXNet's smoothing) instead of an infinite KL.
/// Candidates are scanned with a stride of at most 128 evaluations, then refined bin by bin around the best.
/// The histogram is the |x| fold of <see cref="Calibration.Histogram"/> (N/2 bins over [0, R]), split into
/// sub-bins when it has fewer than 16 bins per level (see ChooseRange).
/// </summary>
internal sealed class EntropyObserver : HistogramObserver
{
    const double Eps = 1e-4;
    const int MaxSubBins = 1 << 12; // 16 sub-bins per level at 8 bits: enough resolution, 4× cheaper than 2^14

    public EntropyObserver(int bins = Histogram.DefaultBins) : base(bins) { }

    /// <summary>The largest share of values a chosen threshold may clip.</summary>
    public const double MaxClippedFraction = 1e-3;

    public EntropyObserver(Histogram histogram) : base(histogram) { }

    protected override (double Min, double Max) ChooseRange(QuantSpec spec)
    {
        var h = Histogram;
        var (qmin, qmax) = QuantMath.Bounds(spec);
        bool nonNegative = h.Min >= 0;
        double absmax = Math.Max(-h.Min, h.Max);
        long levels = (long)qmax - qmin + 1;
        // Levels the |x| threshold really gets: half for a symmetric spec; for an asymmetric spec over
        // mixed signs, the share of the range the larger side spans (a skewed [-1, 10] keeps ~233 of
        // 256 levels for [0, 10], not 128). Too few modelled levels make KL clip far too much.
        if (spec.Symmetric) levels /= 2;
        else if (!nonNegative) levels = Math.Max(2, (long)(levels * absmax / ((double)h.Max - h.Min)));

        long[] folded = h.Folded();
        int used = folded.Length;
        while (used > 0 && folded[used - 1] == 0) used--;
        if (levels >= used) return (-absmax, absmax); // every bin gets its own level: nothing to gain by clipping

        // TensorRT's 2048 bins over [0, absmax] give ≥ 16 bins per level at the smallest threshold.
        // Our range is a power of two (and grows with outliers), so when the occupied bins are fewer
        // than 16 per level we split each bin evenly into k sub-bins; otherwise the smallest candidate
        // (one bin per level) could lie beyond the whole bulk of the data.
        int k = 1;
        while ((long)used * k < 16 * levels && (long)used * k * 2 <= MaxSubBins) k *= 2;
        int nb = used * k;
        var f = new double[nb];
        for (int b = 0; b < nb; b++) f[b] = (double)folded[b / k] / k;

        int L = (int)levels;
        var kl = new Divergence(f);
        var suffix = kl.Suffix;

        int best = SearchMin(L, nb, i => kl.At(i, L));
        // KL is blind to saturation spikes (ReLU6 puts a few percent of its values exactly at 6):
        // it would clip them all. Never clip more than MaxClippedFraction of the values.
        double total = suffix[0];
        int floor = nb;
        while (floor > 0 && suffix[floor - 1] <= MaxClippedFraction * total) floor--;
        best = Math.Max(best, floor);
        double t = best * h.BinWidth / k;
        return nonNegative ? (0, t) : (-t, t);
    }

    /// <summary>Coarse scan of [lo, hi] with ≤ 128 evaluations, then every bin within one stride of the best.</summary>
    internal static int SearchMin(int lo, int hi, Func<int, double> cost)
    {
        int stride = Math.Max(1, (hi - lo + 127) / 128);
        int best = hi;
        double bestCost = cost(hi);
        for (int i = lo; i < hi; i += stride)
        {
            double c = cost(i);
            if (c < bestCost) { bestCost = c; best = i; }
        }
        if (stride > 1)
        {
            int center = best;
            for (int i = Math.Max(lo, center - stride + 1); i <= Math.Min(hi, center + stride - 1); i++)
            {
                double c = cost(i);
                if (c < bestCost) { bestCost = c; best = i; }
            }
        }
        return best;
    }

    /// <summary>
    /// KL(P‖Q) of TensorRT's method for a threshold of i bins: P is the histogram clipped at i with
    /// the outliers added to its last bin; Q merges P's first i bins (without outliers) into L levels
    /// and spreads each level's mass evenly over its non-empty bins. Because Q is constant within a
    /// level, KL = (Σ p log p − Σ_levels P_level · log q_level) / |P| + log(|Q| / |P|), which prefix
    /// sums give in O(L) per candidate instead of O(i) logarithms.
    /// </summary>
    sealed class Divergence
    {
        readonly double[] _f, _sum, _fLogF;
        readonly int[] _nonZero;
        public readonly double[] Suffix;

        public Divergence(double[] f)
        {
            int n = f.Length;
            _f = f;
            _sum = new double[n + 1];
            _fLogF = new double[n + 1];
            _nonZero = new int[n + 1];
            Suffix = new double[n + 1];
            for (int k = 0; k < n; k++)
            {
                _sum[k + 1] = _sum[k] + f[k];
                _fLogF[k + 1] = _fLogF[k] + (f[k] > 0 ? f[k] * Math.Log(f[k]) : 0);
                _nonZero[k + 1] = _nonZero[k] + (f[k] > 0 ? 1 : 0);
            }
            for (int k = n - 1; k >= 0; k--) Suffix[k] = Suffix[k + 1] + f[k];
        }

        public double At(int i, int levels)
        {
            double ps = Suffix[0], outliers = Suffix[i], qs = ps - outliers;
            if (qs <= 0) return double.PositiveInfinity;
            double last = _f[i - 1] + outliers; // P's last bin
            double pLogP = _fLogF[i - 1] + (last > 0 ? last * Math.Log(last) : 0);
            int merged = i / levels;
            double pLogQ = 0;
            for (int j = 0; j < levels; j++)
            {
                int start = j * merged, stop = j == levels - 1 ? i : start + merged;
                double sum = _sum[stop] - _sum[start];
                int nonZero = _nonZero[stop] - _nonZero[start];
                double mass = sum;
                if (j == levels - 1)
                {
                    mass += outliers;
                    if (_f[i - 1] <= 0 && outliers > 0) nonZero++; // the outliers make P's last bin non-empty
                }
                if (mass <= 0) continue;
                double q = nonZero == 0 ? 0 : sum / nonZero;
                pLogQ += mass * Math.Log(Math.Max(q, Eps));
            }
            return (pLogP - pLogQ) / ps + Math.Log(qs / ps);
        }
    }
}
