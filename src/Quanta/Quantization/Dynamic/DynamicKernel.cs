namespace Quanta.Quantization.Dynamic;

/// <summary>How a dynamically quantized MatMul/Gemm is written.</summary>
public enum DynamicKernel
{
    /// <summary>com.microsoft DynamicQuantizeMatMul: one node, bias fused (ONNX Runtime's fastest CPU path).</summary>
    Fused,
    /// <summary>Standard ops only: DynamicQuantizeLinear → MatMulInteger → Cast → Mul (→ Add); any runtime.</summary>
    Standard,
}
