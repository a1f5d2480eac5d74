namespace Quanta.Runtime;

/// <summary>How ONNX Runtime executes a model.</summary>
/// <param name="Threads">Intra-op threads; 0 lets ONNX Runtime use every core.</param>
/// <param name="Optimize">Run ONNX Runtime's graph optimizations (fusions that make QDQ models fast).</param>
public sealed record RuntimeOptions(int Threads = 0, bool Optimize = true);
