using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Dynamic;

/// <summary>The resolved settings and graph-building helpers the per-op rewriters share.</summary>
sealed class DynamicContext(Graph graph, QuantSpec weightSpec, bool perChannel, DynamicKernel kernel)
{
    public const string MsDomain = "com.microsoft";
    public Graph Graph { get; } = graph;
    public QuantSpec WeightSpec { get; } = weightSpec;
    public bool PerChannel { get; } = perChannel;
    public DynamicKernel Kernel { get; } = kernel;
    public bool UsesMsDomain { get; set; }

    public string AddInitializer(string hint, TensorProto t) => NodeKit.AddConstant(Graph, hint, t);

    public NodeProto AddNode(string opType, string hint, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "", params AttributeProto[] attributes)
    {
        var n = NodeKit.Node(opType, Graph.UniqueName(hint), inputs, outputs, attributes);
        n.Domain = domain;
        if (domain == MsDomain) UsesMsDomain = true;
        Graph.AddNode(n);
        return n;
    }

    public string Fresh(string hint) => Graph.UniqueName(hint);

    /// <summary>True when <paramref name="tensor"/> is known to be float (or its type is unknown, as for graph-internal tensors without value_info).</summary>
    public bool IsFloat(string tensor)
    {
        var t = Graph.ValueInfo(tensor)?.Type?.TensorType;
        return t is null || t.ElemType == DataTypes.Float;
    }

    /// <summary>A constant float initializer (not a graph input that callers may override).</summary>
    public TensorProto? FloatConstant(string name)
    {
        var t = Graph.Initializer(name);
        return t is not null && t.DataType == DataTypes.Float && !Graph.IsGraphInput(name) ? t : null;
    }
}
