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
/// <see cref="Width"/> narrows the range to fewer bits than the storage type holds (a 6-bit
/// activation in uint8, a 3-bit weight in int4): PTQ and QAT then share one <c>Bounds</c>/<c>FromRange</c>.
/// </summary>
public sealed record QuantSpec(QuantType Type, bool Symmetric = false, bool ReduceRange = false)
{
    readonly int? _width;

    /// <summary>Bits of range used, 2 up to the storage type's width; null: the type's full width.</summary>
    public int? Width
    {
        get => _width;
        init
        {
            if (value is { } w && (w < 2 || w > Type.Bits()))
                throw QuantaException.BadInput($"a {Type.Name()} quantization range holds 2 to {Type.Bits()} bits, not {w}");
            _width = value;
        }
    }

    /// <summary>Bits of range used: <see cref="Width"/> when set, else the storage type's width.</summary>
    public int Bits => _width ?? Type.Bits();
}
