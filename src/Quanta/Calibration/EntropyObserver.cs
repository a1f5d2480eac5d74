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
/// Candidates are scanned with a stride of at most 256 evaluations, then refined bin by bin around the best.
/// The histogram is the |x| fold of <see cref="Calibration.Histogram"/> (N/2 bins over [0, R]), split into
/// sub-bins when it has fewer than 16 bins per level (see ChooseRange).
/// </summary>
public sealed class EntropyObserver : HistogramObserver
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
        var p = new double[nb];
        var q = new double[nb];
        var suffix = new double[nb + 1];
        for (int b = nb - 1; b >= 0; b--) suffix[b] = suffix[b + 1] + f[b];

        int best = SearchMin(L, nb, i => Divergence(f, i, L, suffix, p, q));
        // KL is blind to saturation spikes (ReLU6 puts a few percent of its values exactly at 6):
        // it would clip them all. Never clip more than MaxClippedFraction of the values.
        double total = suffix[0];
        int floor = nb;
        while (floor > 0 && suffix[floor - 1] <= MaxClippedFraction * total) floor--;
        best = Math.Max(best, floor);
        double t = best * h.BinWidth / k;
        return nonNegative ? (0, t) : (-t, t);
    }

    /// <summary>Coarse scan of [lo, hi] with ≤ 256 evaluations, then every bin within one stride of the best.</summary>
    internal static int SearchMin(int lo, int hi, Func<int, double> cost)
    {
        int stride = Math.Max(1, (hi - lo + 255) / 256);
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

    static double Divergence(double[] f, int i, int levels, double[] suffix, double[] p, double[] q)
    {
        // P: reference distribution clipped at i bins, outliers folded into the last bin.
        for (int k = 0; k < i; k++) p[k] = f[k];
        p[i - 1] += suffix[i];

        // Q: the clipped bins (without outliers) merged into `levels` groups, each spread evenly over
        // the bins where P is non-zero; the last group takes the remainder bins.
        int merged = i / levels;
        for (int j = 0; j < levels; j++)
        {
            int start = j * merged, stop = j == levels - 1 ? i : start + merged;
            double sum = 0;
            int nonZero = 0;
            for (int k = start; k < stop; k++)
            {
                sum += f[k];
                if (p[k] != 0) nonZero++;
            }
            double v = nonZero == 0 ? 0 : sum / nonZero;
            for (int k = start; k < stop; k++) q[k] = p[k] != 0 ? v : 0;
        }

        double ps = suffix[0], qs = suffix[0] - suffix[i];
        if (qs <= 0) return double.PositiveInfinity;
        double kl = 0;
        for (int k = 0; k < i; k++)
        {
            if (p[k] == 0) continue;
            double pk = p[k] / ps, qk = Math.Max(q[k], Eps) / qs;
            kl += pk * Math.Log(pk / qk);
        }
        return kl;
    }
}
