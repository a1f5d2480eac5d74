namespace Quanta.Quantization;

/// <summary>How quantization is written into the model.</summary>
public enum QuantFormat
{
    /// <summary>QuantizeLinear/DequantizeLinear pairs around float ops: portable, fused by runtimes.</summary>
    Qdq,
    /// <summary>Integer operators (QLinearConv, QLinearMatMul, com.microsoft QLinearAdd, …).</summary>
    QOperator,
}
