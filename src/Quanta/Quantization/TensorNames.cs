namespace Quanta.Quantization;

/// <summary>The one place that names the tensors and nodes quantization adds.</summary>
static class TensorNames
{
    public static string Quantized(string tensor) => tensor + "_quantized";
    public static string Dequantized(string tensor) => tensor + "_dequantized";
    public static string Scale(string tensor) => tensor + "_scale";
    public static string ZeroPoint(string tensor) => tensor + "_zero_point";
    public static string QuantizeNode(string tensor) => tensor + "_QuantizeLinear";
    public static string DequantizeNode(string tensor) => tensor + "_DequantizeLinear";
}
