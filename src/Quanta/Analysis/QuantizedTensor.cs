using Quanta.Numerics;

namespace Quanta.Analysis;

/// <summary>What a quantized tensor is: a run-time activation, a stored weight, or an int32 bias.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<QuantizedKind>))]
public enum QuantizedKind { Activation, Weight, Bias }

/// <summary>
/// One tensor that a QDQ model stores or passes through QuantizeLinear/DequantizeLinear: its float
/// name, the dequantized tensor that replaces it, the node it belongs to (producer of an activation,
/// consumer of a weight) and its parameters as read from the model.
/// </summary>
internal sealed record QuantizedTensor(
    string Name,
    QuantizedKind Kind,
    string Dequantized,
    string Node,
    string OpType,
    QuantParams Params)
{
    /// <summary>The real interval QuantizeLinear saturates to (for per-tensor parameters).</summary>
    public (float Min, float Max) RealRange =>
        (QuantMath.Dequantize(Params.Type.Min(), Params.Scale[0], Params.ZeroPoint[0]),
         QuantMath.Dequantize(Params.Type.Max(), Params.Scale[0], Params.ZeroPoint[0]));
}
