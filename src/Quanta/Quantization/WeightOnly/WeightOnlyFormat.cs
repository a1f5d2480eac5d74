using System.Text.Json.Serialization;

namespace Quanta.Quantization.WeightOnly;

/// <summary>How blockwise weights are written (named matmulnbits and qdq; see <see cref="OptionNames"/>).</summary>
[JsonConverter(typeof(OptionNameJsonConverter<WeightOnlyFormat>))]
public enum WeightOnlyFormat
{
    /// <summary>com.microsoft MatMulNBits (2, 4 or 8 bits): one fused node, ONNX Runtime's fast path.</summary>
    MatMulNBits,
    /// <summary>Standard opset-21 blocked DequantizeLinear (int4/uint4/int8/uint8) feeding the MatMul: portable.</summary>
    Qdq,
}
