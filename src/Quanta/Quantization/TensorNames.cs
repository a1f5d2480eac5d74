namespace Quanta.Quantization;

/// <summary>The one place that names the tensors and nodes quantization adds, and reads those names back.</summary>
static class TensorNames
{
    const string QuantizedSuffix = "_quantized", IntegerNodeSuffix = "_quant";

    public static string Quantized(string tensor) => tensor + QuantizedSuffix;

    /// <summary>The float tensor a <see cref="Quantized"/> name stands for; null when the name is not one.</summary>
    public static string? OfQuantized(string name) =>
        name.EndsWith(QuantizedSuffix, StringComparison.Ordinal) ? name[..^QuantizedSuffix.Length] : null;

    /// <summary>The integer op that replaces float node <paramref name="node"/> (unnamed nodes stay unnamed).</summary>
    public static string IntegerNode(string node) => node.Length > 0 ? node + IntegerNodeSuffix : "";

    /// <summary>The float node an <see cref="IntegerNode"/> name came from.</summary>
    public static string FloatNode(string integerNode) =>
        integerNode.EndsWith(IntegerNodeSuffix, StringComparison.Ordinal) ? integerNode[..^IntegerNodeSuffix.Length] : integerNode;
    public static string Dequantized(string tensor) => tensor + "_dequantized";
    public static string Scale(string tensor) => tensor + "_scale";
    public static string ZeroPoint(string tensor) => tensor + "_zero_point";
    public static string QuantizeNode(string tensor) => tensor + "_QuantizeLinear";
    public static string DequantizeNode(string tensor) => tensor + "_DequantizeLinear";
}
