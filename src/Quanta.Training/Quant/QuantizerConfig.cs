using Quanta.Numerics;

namespace Quanta.Training.Quant;

/// <summary>
/// What one fake quantizer does: its <see cref="Spec"/> (storage type, symmetry, bit width — the
/// same spec static PTQ resolves, so <see cref="QuantMath.Bounds"/> and <see cref="QuantMath.FromRange"/>
/// serve both), the tensor axis of per-channel parameters, and which parameters learn.
/// </summary>
public sealed record QuantizerConfig(QuantSpec Spec, int? Axis, WeightScheme Scheme, bool LearnScale, bool LearnZeroPoint)
{
    /// <summary>The storage type the exported model writes.</summary>
    public QuantType Container => Spec.Type;
    public int QMin => QuantMath.Bounds(Spec).QMin;
    public int QMax => QuantMath.Bounds(Spec).QMax;
    public bool Symmetric => Spec.Symmetric;

    /// <summary>Weights: symmetric signed range of <paramref name="bits"/> bits (7 with reduce range at 8), or ternary/binary as 2-bit int8 (−1, 0, 1).</summary>
    public static QuantizerConfig Weight(WeightScheme scheme, int bits, bool reduceRange, int? axis, bool learnScale)
    {
        if (scheme != WeightScheme.Uniform)
            return new(new QuantSpec(QuantType.Int8, Symmetric: true) { Width = 2 }, axis, scheme, learnScale, false);
        var container = bits <= 4 ? QuantType.Int4 : bits <= 8 ? QuantType.Int8 : QuantType.Int16;
        return new(new QuantSpec(container, Symmetric: true, ReduceRange: reduceRange && bits == 8) { Width = bits }, axis, scheme, learnScale, false);
    }

    /// <summary>Activations: asymmetric unsigned range of <paramref name="bits"/> bits in uint8 or uint16.</summary>
    public static QuantizerConfig Activation(int bits, bool learnScale, bool learnZeroPoint) =>
        new(new QuantSpec(bits <= 8 ? QuantType.UInt8 : QuantType.UInt16) { Width = bits }, null, WeightScheme.Uniform, learnScale, learnZeroPoint);
}
