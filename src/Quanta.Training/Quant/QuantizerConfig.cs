using Quanta.Numerics;

namespace Quanta.Training.Quant;

/// <summary>
/// What one fake quantizer does: its integer range [<see cref="QMin"/>, <see cref="QMax"/>] (narrower
/// than <see cref="Container"/> for odd bit widths and ternary), the tensor axis of per-channel
/// parameters, and which parameters learn.
/// </summary>
public sealed record QuantizerConfig(
    QuantType Container,
    int QMin,
    int QMax,
    int? Axis,
    WeightScheme Scheme,
    bool LearnScale,
    bool LearnZeroPoint)
{
    public bool Symmetric => Container.IsSigned();

    /// <summary>Weights: symmetric signed range of <paramref name="bits"/> bits, or ternary/binary in int8.</summary>
    public static QuantizerConfig Weight(WeightScheme scheme, int bits, bool reduceRange, int? axis, bool learnScale)
    {
        if (scheme != WeightScheme.Uniform) return new(QuantType.Int8, -1, 1, axis, scheme, learnScale, false);
        int b = bits - (reduceRange && bits == 8 ? 1 : 0);
        int qmax = (1 << (b - 1)) - 1;
        var container = bits <= 4 ? QuantType.Int4 : bits <= 8 ? QuantType.Int8 : QuantType.Int16;
        return new(container, -qmax, qmax, axis, scheme, learnScale, false);
    }

    /// <summary>Activations: asymmetric unsigned range of <paramref name="bits"/> bits in uint8 or uint16.</summary>
    public static QuantizerConfig Activation(int bits, bool learnScale, bool learnZeroPoint) =>
        new(bits <= 8 ? QuantType.UInt8 : QuantType.UInt16, 0, (1 << bits) - 1, null, WeightScheme.Uniform, learnScale, learnZeroPoint);
}
