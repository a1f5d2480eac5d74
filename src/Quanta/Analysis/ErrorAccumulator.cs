using Quanta.Numerics;

namespace Quanta.Analysis;

/// <summary>
/// Streaming error statistics between a reference tensor and its approximation: sums only, so any
/// number of batches fit in constant memory. Optionally also the tensor's own quantization error
/// (reference fake-quantized with <see cref="Local"/>) and how many reference values fall outside the
/// quantized range. Not thread-safe: one accumulator per tensor, fed by one thread at a time.
/// </summary>
public sealed class ErrorAccumulator
{
    double _signal, _noise, _dot, _refNorm, _approxNorm, _absSum, _maxAbs, _localNoise;
    long _count, _clipped;
    float[] _scratch = [];

    /// <summary>Per-tensor parameters to measure local quantization error and clipping with (null: skip both).</summary>
    public QuantParams? Local { get; init; }

    public long Count => _count;

    public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> approx)
    {
        if (reference.Length != approx.Length)
            throw new ArgumentException($"tensor sizes differ: {reference.Length} vs {approx.Length}");
        double signal = 0, noise = 0, dot = 0, rn = 0, an = 0, abs = 0, max = _maxAbs;
        for (int i = 0; i < reference.Length; i++)
        {
            double r = reference[i], a = approx[i], d = r - a;
            signal += r * r;
            noise += d * d;
            dot += r * a;
            an += a * a;
            double ad = Math.Abs(d);
            abs += ad;
            if (ad > max) max = ad;
        }
        rn = signal;
        _signal += signal; _noise += noise; _dot += dot; _refNorm += rn; _approxNorm += an; _absSum += abs; _maxAbs = max;
        _count += reference.Length;
        if (Local is { } p) AddLocal(reference, p);
    }

    void AddLocal(ReadOnlySpan<float> reference, QuantParams p)
    {
        if (_scratch.Length < reference.Length) _scratch = new float[reference.Length];
        var fq = _scratch.AsSpan(0, reference.Length);
        QuantMath.FakeQuantize(reference, p, [reference.Length], fq);
        float lo = QuantMath.Dequantize(p.Type.Min(), p.Scale[0], p.ZeroPoint[0]);
        float hi = QuantMath.Dequantize(p.Type.Max(), p.Scale[0], p.ZeroPoint[0]);
        double noise = 0;
        long clipped = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = reference[i] - fq[i];
            noise += d * d;
            if (reference[i] < lo || reference[i] > hi) clipped++;
        }
        _localNoise += noise;
        _clipped += clipped;
    }

    /// <summary>Counts reference values outside per-channel ranges (weights): lo/hi per channel along [outer, dim, inner].</summary>
    public void AddClipped(long clipped) => _clipped += clipped;

    public double SqnrDb => QuantMath.SqnrDb(_signal, _noise);
    public double LocalSqnrDb => Local is null ? SqnrDb : QuantMath.SqnrDb(_signal, _localNoise);

    public double Cosine =>
        _refNorm == 0 && _approxNorm == 0 ? 1 : _refNorm == 0 || _approxNorm == 0 ? 0 : Math.Clamp(_dot / (Math.Sqrt(_refNorm) * Math.Sqrt(_approxNorm)), -1, 1);

    public double MaxAbsError => _maxAbs;
    public double MeanAbsError => _count == 0 ? 0 : _absSum / _count;
    public double ClippingRatio => _count == 0 ? 0 : (double)_clipped / _count;
}
