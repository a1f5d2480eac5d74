using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR;

/// <summary>One node under inference: its inputs as known so far, and setters for its outputs.</summary>
internal sealed class InferenceContext(NodeProto node, InferenceState state)
{
    public NodeProto Node { get; } = node;
    public long Opset => state.Opset;
    public int InputCount => Node.Input.Count;

    public bool HasInput(int i) => i < Node.Input.Count && Node.Input[i].Length > 0;

    public TensorTypeInfo? In(int i) => HasInput(i) ? state.Types.GetValueOrDefault(Node.Input[i]) : null;
    public Dim[]? Shape(int i) => In(i)?.Shape;
    public int Type(int i) => In(i)?.ElemType ?? 0;
    public int Rank(int i) => In(i)?.Rank ?? -1;

    /// <summary>Tracked values of input i (symbolic ones included), or null.</summary>
    public SymInt[]? Values(int i) => HasInput(i) ? state.Values.GetValueOrDefault(Node.Input[i]) : null;

    /// <summary>Input i's values when every one is a plain number.</summary>
    public long[]? Ints(int i)
    {
        if (Values(i) is { } v)
        {
            var r = new long[v.Length];
            for (int k = 0; k < v.Length; k++)
            {
                if (!v[k].IsNumber) return null;
                r[k] = v[k].Number;
            }
            return r;
        }
        // Larger constants (e.g. float scales for Resize) are read on demand.
        if (HasInput(i) && state.Constants.TryGetValue(Node.Input[i], out var t) && InferenceState.IsInteger(t.DataType))
            return Tensors.ToInt64s(t);
        return null;
    }

    public float[]? Floats(int i) =>
        HasInput(i) && state.Constants.TryGetValue(Node.Input[i], out var t) && t.DataType is DataTypes.Float or DataTypes.Double or DataTypes.Float16
            ? Tensors.ToFloats(t) : null;

    public long Int(string name, long fallback) => Node.GetInt(name, fallback);
    public long[]? IntsAttr(string name) => Node.GetInts(name);
    public string Str(string name, string fallback) => Node.GetString(name, fallback);

    public int OutputCount => Node.Output.Count;

    public void Set(int output, int elemType, Dim[]? shape)
    {
        if (output >= Node.Output.Count || Node.Output[output].Length == 0) return;
        state.Types[Node.Output[output]] = new TensorTypeInfo(elemType, shape);
    }

    /// <summary>Records the values of output i; ignored beyond the tracking limit.</summary>
    public void SetValues(int output, SymInt[] values)
    {
        if (output >= Node.Output.Count || Node.Output[output].Length == 0 || values.Length > InferenceState.MaxTrackedValues) return;
        state.Values[Node.Output[output]] = values;
    }

    public void SetConstant(int output, TensorProto t)
    {
        if (output >= Node.Output.Count || Node.Output[output].Length == 0) return;
        state.SeedConstant(Node.Output[output], t);
    }
}
