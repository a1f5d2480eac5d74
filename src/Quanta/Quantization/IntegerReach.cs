using Quanta.IR;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>
/// Where an integer kernel for arithmetic (Add, Mul, pools, Sigmoid) pays on ONNX Runtime's CPU
/// provider: between quantized ops, where the integers flow on into a weighted integer kernel. Elsewhere
/// — a detection head's box decoding after the last Conv, an Add of float tensors, a bias Add before a
/// float GELU — each such op would add a requantization (a DQ → Q round trip) for a few microseconds
/// of tiny float work, so it stays float.
/// </summary>
sealed class IntegerReach(Graph graph)
{
    readonly Dictionary<string, bool> _feedsCompute = new();

    /// <summary>Why <paramref name="node"/>, an arithmetic op, should stay float; null when its integer form pays.</summary>
    public string? WhyFloat(NodeProto node, PlanBuilder plan)
    {
        if (!node.Input.Any(i => i.Length > 0 && plan.IsQuantizedActivation(i)))
            return "its inputs are float: quantizing them only for this op adds a round trip";
        if (!FeedsCompute(node.Output[0]))
            return "no Conv/MatMul/Gemm follows through integer ops (a model's tail): float is faster than requantizing";
        return null;
    }

    /// <summary>True when a weighted integer kernel reads <paramref name="tensor"/>, directly or through ops that have an integer form.</summary>
    bool FeedsCompute(string tensor)
    {
        if (_feedsCompute.TryGetValue(tensor, out bool known)) return known;
        _feedsCompute[tensor] = false; // the graph is acyclic; this only guards against malformed input
        bool feeds = graph.Consumers(tensor).Any(reader => OpRegistry.For(reader.Domain, reader.OpType) is { } q
            && (q.Kind == OpKind.Compute || reader.Output.Any(o => o.Length > 0 && FeedsCompute(o))));
        return _feedsCompute[tensor] = feeds;
    }
}
