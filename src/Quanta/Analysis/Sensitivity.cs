namespace Quanta.Analysis;

/// <summary>How much one layer's quantization costs at the final output.</summary>
/// <param name="OnlySqnrDb">Output SQNR with only this layer quantized (everything else float).</param>
/// <param name="AllButSqnrDb">Output SQNR with every layer quantized except this one (null when not measured).</param>
/// <param name="NoiseShare">Estimated share of the fully quantized model's output noise this layer causes
/// (noise powers add: the mean of its own noise and of the noise removed by keeping it float).</param>
public sealed record LayerSensitivity(
    string Layer,
    string OpType,
    double OnlySqnrDb,
    double? OnlyTop1,
    double? AllButSqnrDb,
    double? AllButTop1,
    double NoiseShare);

/// <summary>Layers ranked most sensitive first, with the fully quantized model's figures for scale.</summary>
public sealed record SensitivityResult(
    int Samples,
    double? FloatTop1,
    OutputAgreement FullyQuantized,
    List<LayerSensitivity> Layers);

/// <summary>How sensitivity analysis runs.</summary>
/// <param name="Inverse">Also measure "all but this layer" (twice the work; steadier ranking).</param>
public sealed record SensitivityOptions(bool Inverse = true);
