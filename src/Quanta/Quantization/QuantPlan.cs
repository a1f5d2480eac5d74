using Quanta.Numerics;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>What a tensor is to quantization.</summary>
public enum TensorRole
{
    /// <summary>Computed at run time: its range comes from calibration, a Q/DQ pair is inserted after it.</summary>
    Activation,
    /// <summary>A constant: stored quantized, read through DequantizeLinear.</summary>
    Weight,
    /// <summary>A constant added to a product: int32 with scale = input scale × weight scale.</summary>
    Bias,
}

/// <summary>
/// The decision for one tensor. <see cref="SameAs"/> makes an activation share another's
/// parameters (pass-through ops such as MaxPool or Reshape, which runtimes then execute on
/// integers); <see cref="BiasInput"/>/<see cref="BiasWeight"/> name the tensors a bias scale derives from.
/// </summary>
public sealed record TensorPlan(
    string Name,
    TensorRole Role,
    QuantSpec Spec,
    int? Axis = null,
    string? SameAs = null,
    string? BiasInput = null,
    string? BiasWeight = null,
    int? ChannelAxis = null);

/// <summary>A MatMul/Gemm (named by its output) quantized dynamically inside a static model, with its weight settings.</summary>
public sealed record DynamicNode(string Output, string OpType, QuantSpec Weights, bool PerChannel, bool StandardOps);

/// <summary>A node left in float, and why (shown in the summary).</summary>
public sealed record KeptFloat(string Node, string OpType, string Reason);

/// <summary>
/// The value between planning and rewriting: per-tensor decisions and, once calibration has
/// run, their parameters. It can be printed and tested without ONNX Runtime.
/// </summary>
public sealed class QuantPlan
{
    readonly Dictionary<string, TensorPlan> _tensors = new();
    readonly List<NodeProto> _quantizedNodes = new();
    readonly List<KeptFloat> _keptFloat = new();
    readonly List<NodeProto> _fusedActivations = new();
    readonly List<DynamicNode> _dynamic = new();
    readonly Dictionary<string, QuantParams> _params = new();
    readonly Dictionary<string, string> _sharedWith = new();

    public IReadOnlyDictionary<string, TensorPlan> Tensors => _tensors;
    public IReadOnlyList<NodeProto> QuantizedNodes => _quantizedNodes;
    public IReadOnlyList<KeptFloat> KeptFloat => _keptFloat;

    /// <summary>Relu/Clip nodes that the output quantization of their producer makes redundant.</summary>
    public IReadOnlyList<NodeProto> FusedActivations => _fusedActivations;

    /// <summary>Each planned tensor's scale and zero point, once resolved.</summary>
    public IReadOnlyDictionary<string, QuantParams> Params => _params;

    /// <summary>Records the decision for a tensor; each tensor is decided once.</summary>
    public void Add(TensorPlan tensor)
    {
        if (!_tensors.TryAdd(tensor.Name, tensor)) throw new InvalidOperationException($"tensor '{tensor.Name}' is already planned");
    }

    public void MarkQuantized(NodeProto node) => _quantizedNodes.Add(node);

    /// <summary>
    /// MatMul/Gemm nodes (named by their output) that read a float tensor: they become dynamically quantized
    /// (weights int8 now, input quantized at run time, one fused kernel) instead of getting Q/DQ.
    /// </summary>
    public IReadOnlyList<DynamicNode> Dynamic => _dynamic;

    public void MarkDynamic(DynamicNode node) => _dynamic.Add(node);

    public void KeepFloat(KeptFloat kept) => _keptFloat.Add(kept);

    /// <summary>
    /// Folds a Relu/Clip into the quantization of its input: that input (its producer's output) is
    /// no longer quantized itself, the activation's output takes its place (the caller plans it).
    /// The input must have no other reader, so nothing else shares or derives from its parameters.
    /// </summary>
    public void FuseActivation(NodeProto activation)
    {
        _tensors.Remove(activation.Input[0]);
        _fusedActivations.Add(activation);
    }

    public void SetParams(string tensor, QuantParams p) => _params[tensor] = p;

    /// <summary>
    /// Makes two calibrated activations (or the tensors they derive from) use one scale and zero point, from
    /// the union of their ranges: a Concat's inputs and output, so it copies integers instead of requantizing.
    /// Both keep being calibrated; unlike <see cref="TensorPlan.SameAs"/>, neither range is a subset of the other.
    /// Returns false (and shares nothing) when their specs differ.
    /// </summary>
    public bool ShareScale(string a, string b)
    {
        string ra = ParamsSource(a), rb = ParamsSource(b);
        if (ra == rb) return true;
        if (!_tensors.TryGetValue(ra, out var ta) || !_tensors.TryGetValue(rb, out var tb)
            || ta.Role != TensorRole.Activation || tb.Role != TensorRole.Activation || ta.Spec != tb.Spec) return false;
        _sharedWith[rb] = ra;
        return true;
    }

    /// <summary>True when another tensor takes its parameters from <paramref name="tensor"/> (pass-through or shared scale).</summary>
    public bool HasDependents(string tensor) =>
        _tensors.Values.Any(t => t.SameAs == tensor) || _sharedWith.ContainsKey(tensor) || _sharedWith.ContainsValue(tensor);

    /// <summary>Activations whose ranges calibration must measure (not those that share another's).</summary>
    public IEnumerable<string> TensorsToCalibrate =>
        Tensors.Values.Where(t => t.Role == TensorRole.Activation && t.SameAs is null).Select(t => t.Name);

    /// <summary>Follows <see cref="TensorPlan.SameAs"/> and shared-scale links to the tensor whose parameters are used.</summary>
    public string ParamsSource(string tensor)
    {
        var seen = new HashSet<string>();
        while (seen.Add(tensor))
        {
            if (Tensors.TryGetValue(tensor, out var t) && t.SameAs is { } next) tensor = next;
            else if (_sharedWith.TryGetValue(tensor, out var shared)) tensor = shared;
            else break;
        }
        return tensor;
    }
}
