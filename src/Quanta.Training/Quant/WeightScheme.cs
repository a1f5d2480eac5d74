namespace Quanta.Training.Quant;

/// <summary>How weights are quantized: a uniform integer grid, or the one-bit-ish extremes.</summary>
public enum WeightScheme
{
    /// <summary>Symmetric integer grid of <c>--weight-bits</c> bits.</summary>
    Uniform,
    /// <summary>Values {−1, 0, +1} × scale (stored as int8 in the exported model).</summary>
    Ternary,
    /// <summary>Values {−1, +1} × scale (stored as int8 in the exported model).</summary>
    Binary,
}
