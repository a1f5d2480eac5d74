using System.Text.Json.Serialization;

namespace Quanta.Quantization;

/// <summary>How quantization is written into the model (named qdq and qoperator; see <see cref="OptionNames"/>).</summary>
[JsonConverter(typeof(OptionNameJsonConverter<QuantFormat>))]
public enum QuantFormat
{
    /// <summary>QuantizeLinear/DequantizeLinear pairs around float ops: portable, fused by runtimes.</summary>
    Qdq,
    /// <summary>Integer operators (QLinearConv, QLinearMatMul, com.microsoft QLinearAdd, …).</summary>
    // "q-operator": how recipes written before the names were shared spelled it.
    [OptionName("qoperator", "qop", "q-operator")] QOperator,
}
