namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// The integer grid of one block, always stored unsigned (0 … 2^bits − 1) with
/// <c>w ≈ (q − zero) · scale</c>, as MatMulNBits stores it. Symmetric blocks fix the zero at
/// 2^(bits−1) and use ±(2^(bits−1) − 1) steps so +absmax and −absmax are both exact;
/// asymmetric blocks stretch the full grid over [min(0, lo), max(0, hi)].
/// </summary>
internal readonly record struct BlockGrid(int Bits, bool Symmetric)
{
    public int QMax => (1 << Bits) - 1;
    /// <summary>Bits per stored element: 3-bit grids are stored in 4-bit containers (MatMulNBits and ONNX have no 3-bit type).</summary>
    public int StorageBits => Bits == 3 ? 4 : Bits;
    public int Centre => 1 << (Bits - 1);

    public (float Scale, float Zero) Params(float lo, float hi)
    {
        lo = Math.Min(lo, 0f);
        hi = Math.Max(hi, 0f);
        if (Symmetric)
        {
            float absmax = Math.Max(-lo, hi);
            float s = absmax / (Centre - 1);
            return (s > 0 ? s : 1f, Centre);
        }
        float scale = (hi - lo) / QMax;
        if (!(scale > 0)) return (1f, 0f);
        return (scale, Math.Clamp(MathF.Round(-lo / scale, MidpointRounding.ToEven), 0, QMax));
    }

    public int Quantize(float w, float scale, float zero) =>
        (int)Math.Clamp(MathF.Round(w / scale + zero, MidpointRounding.ToEven), 0, QMax);

    public static float Dequantize(int q, float scale, float zero) => (q - zero) * scale;
}
