using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>One operator type's dynamic-quantization rewrite (registered in <see cref="DynamicQuantizer"/>).</summary>
interface IDynamicOp
{
    string OpType { get; }
    /// <summary>Rewrites <paramref name="node"/>; returns null on success or why it stays float.</summary>
    string? Rewrite(NodeProto node, DynamicContext c);
}
