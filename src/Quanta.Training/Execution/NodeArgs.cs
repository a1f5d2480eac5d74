using Quanta.Onnx.Proto;
using static TorchSharp.torch;

namespace Quanta.Training.Execution;

/// <summary>One node's attributes and inputs as a kernel reads them (absent optional inputs are null).</summary>
internal sealed class NodeArgs(NodeProto node, Tensor?[] inputs)
{
    public NodeProto Node { get; } = node;
    public Tensor?[] Inputs { get; } = inputs;

    public Tensor this[int i] => Inputs[i] ?? throw new InvalidOperationException($"{Node.OpType} '{Node.Name}': input {i} is missing");
    public Tensor? Optional(int i) => i < Inputs.Length ? Inputs[i] : null;
    public int Count => Inputs.Length;

    AttributeProto? Attr(string name) => Node.Attribute.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback) => Attr(name) is { } a ? a.I : fallback;
    public float Float(string name, float fallback) => Attr(name) is { } a ? a.F : fallback;
    public string Str(string name, string fallback) => Attr(name) is { } a ? a.S.ToStringUtf8() : fallback;
    public long[]? Ints(string name) => Attr(name) is { } a ? a.Ints.ToArray() : null;
    public TensorProto? TensorAttr(string name) => Attr(name)?.T;

    /// <summary>An int64 input read on the host (shapes, axes, slice bounds).</summary>
    public long[]? Longs(int i) => Optional(i) is { } t ? Host.Longs(t) : null;
}

/// <summary>Host-side reads of small tensors (shape arithmetic).</summary>
internal static class Host
{
    public static long[] Longs(Tensor t)
    {
        using var l = t.to_type(ScalarType.Int64).contiguous();
        return l.data<long>().ToArray();
    }

    public static float Float(Tensor t)
    {
        using var f = t.to_type(ScalarType.Float32);
        return f.item<float>();
    }

    public static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;
}
