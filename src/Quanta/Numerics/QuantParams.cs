namespace Quanta.Numerics;

/// <summary>
/// How a real tensor maps to integers: <c>q = saturate(round_half_even(r / scale) + zeroPoint)</c>,
/// <c>r = scale · (q − zeroPoint)</c>. One scale/zero point per tensor (<see cref="Axis"/> null),
/// per channel along <see cref="Axis"/>, or per block of <see cref="BlockSize"/> elements along it.
/// <see cref="QMin"/>/<see cref="QMax"/> may be narrower than the type (e.g. 7-bit "reduce range").
/// This is the one currency between calibration, rewriting, training and analysis.
/// </summary>
public sealed record QuantParams(
    float[] Scale,
    int[] ZeroPoint,
    QuantType Type,
    int QMin,
    int QMax,
    int? Axis = null,
    int BlockSize = 0)
{
    public bool PerTensor => Axis is null;
}

/// <summary>
/// How to turn a range into <see cref="QuantParams"/>: the integer type, whether the range is
/// made symmetric around zero (zero point fixed at the type's centre), and whether only
/// <see cref="Bits"/> − 1 bits of range are used (reduce range: avoids u8×s8 saturation on CPUs without VNNI).
/// </summary>
public sealed record QuantSpec(QuantType Type, bool Symmetric = false, bool ReduceRange = false)
{
    public int Bits => Type.Bits();
}
