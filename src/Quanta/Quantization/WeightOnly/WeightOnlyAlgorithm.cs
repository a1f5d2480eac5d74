namespace Quanta.Quantization.WeightOnly;

/// <summary>How block parameters and integer weights are chosen.</summary>
public enum WeightOnlyAlgorithm
{
    /// <summary>Round to nearest with each block's min/max.</summary>
    Rtn,
    /// <summary>Half-quadratic quantization: data-free, zero points optimised for an Lp (p &lt; 1) error.</summary>
    Hqq,
    /// <summary>GPTQ: calibration data; each input row rounded in turn, its error spread over the rows not yet rounded.</summary>
    Gptq,
    /// <summary>AWQ: calibration data; input channels scaled by their activation magnitude before rounding, the inverse folded into the activation.</summary>
    Awq,
}
