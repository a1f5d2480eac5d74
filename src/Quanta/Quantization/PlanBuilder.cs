using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>
/// What op quantizers declare their needs on. It resolves per-node recipe overrides, knows
/// which tensors are constants, and records decisions in a <see cref="QuantPlan"/>.
/// </summary>
internal sealed class PlanBuilder
{
    public Graph Graph { get; }
    public ResolvedRecipe Recipe { get; }
    public QuantPlan Plan { get; }
    NodeProto _node = null!;

    readonly Glob _overridePatterns;
    readonly NodeOverride[] _overrides;

    /// <param name="plan">The plan to add to: the whole model's, when <paramref name="graph"/> is one of its bodies.</param>
    public PlanBuilder(Graph graph, ResolvedRecipe recipe, QuantPlan? plan = null)
    {
        Graph = graph;
        Recipe = recipe;
        Plan = plan ?? new QuantPlan();
        _overridePatterns = new Glob(recipe.Nodes.Keys);
        _overrides = recipe.Nodes.Values.ToArray();
    }

    internal void Begin(NodeProto node) => _node = node;

    public bool IsConstant(string tensor) => Graph.Initializer(tensor) is not null;

    /// <summary>
    /// Only float tensors are quantized; shape arithmetic (int64 Concat, Gather, Mul…) stays as it is.
    /// Types come from initializers, graph inputs and the value_info that shape inference wrote.
    /// </summary>
    public bool IsFloat(string tensor)
    {
        if (Graph.Initializer(tensor) is { } t) return t.DataType == Onnx.DataTypes.Float;
        return Graph.ValueInfo(tensor)?.Type?.TensorType?.ElemType == Onnx.DataTypes.Float;
    }

    public bool IsQuantizedActivation(string tensor) =>
        Plan.Tensors.TryGetValue(tensor, out var t) && t.Role == TensorRole.Activation;

    public QuantSpec ActivationSpec
    {
        get
        {
            var o = Override(_node);
            return o?.ActivationType is { } a ? Recipe.ActivationSpec with { Type = a } : Recipe.ActivationSpec;
        }
    }

    public QuantSpec WeightSpec
    {
        get
        {
            var o = Override(_node);
            if (o?.WeightType is not { } type) return Recipe.WeightSpec;
            return Recipe.WeightSpec with { Type = type, ReduceRange = Recipe.ReduceRange && type == QuantType.Int8 };
        }
    }

    public bool PerChannel => Override(_node)?.PerChannel ?? Recipe.PerChannel;

    /// <summary>The override that applies to a node: exact name or glob pattern; later entries win.</summary>
    public NodeOverride? Override(NodeProto node) =>
        _overridePatterns.LastMatch(node.Name) is var i and >= 0 ? _overrides[i] : null;

    /// <summary>Quantize <paramref name="tensor"/> as an activation (its range comes from calibration).</summary>
    public void Activation(string tensor)
    {
        if (tensor.Length == 0 || Plan.Tensors.ContainsKey(tensor) || !IsFloat(tensor)) return;
        Plan.Add(new TensorPlan(tensor, TensorRole.Activation, ActivationSpec));
    }

    /// <summary>Quantize the node's output unless the model returns it (outputs stay float for users).</summary>
    public void Output(string tensor)
    {
        if (Graph.IsGraphOutput(tensor)) return;
        Activation(tensor);
    }

    /// <summary>A pass-through op: its output reuses the input's parameters, so runtimes can drop the Q/DQ pair around it.</summary>
    public void SameAs(string output, string input)
    {
        if (Graph.IsGraphOutput(output) || Plan.Tensors.ContainsKey(output)) return;
        Plan.Add(new TensorPlan(output, TensorRole.Activation, Plan.Tensors[input].Spec, SameAs: input));
    }

    /// <summary>Two activations use one scale covering both ranges (a Concat's parts and whole); false when their specs differ.</summary>
    public bool ShareScale(string a, string b) => Plan.ShareScale(a, b);

    /// <summary>
    /// A constant weight, quantized per channel along <paramref name="axis"/> (its output channels) when
    /// per-channel is on, or when <paramref name="perChannel"/> insists (embedding tables: per row).
    /// </summary>
    public void Weight(string tensor, int? axis, QuantSpec? spec = null, bool? perChannel = null)
    {
        if (Plan.Tensors.ContainsKey(tensor) || !IsFloat(tensor)) return;
        Plan.Add(new TensorPlan(tensor, TensorRole.Weight, spec ?? WeightSpec, (perChannel ?? PerChannel) ? axis : null, ChannelAxis: axis));
    }

    /// <summary>A constant bias: int32 with scale input scale × weight scale.</summary>
    public void Bias(string tensor, string input, string weight)
    {
        if (tensor.Length == 0 || Plan.Tensors.ContainsKey(tensor)) return;
        Plan.Add(new TensorPlan(tensor, TensorRole.Bias, new QuantSpec(QuantType.Int32, Symmetric: true),
            Plan.Tensors[weight].Axis is null ? null : 0, BiasInput: input, BiasWeight: weight));
    }

    /// <summary>
    /// True when a MatMul/Gemm reading a float tensor is better quantized dynamically than with a Q/DQ pair of its
    /// own: in a transformer-shaped graph (LayerNorm, Softmax and GELU stay float between the MatMuls, so static
    /// int8 measured 0.86–0.96× float on the reference ViT), with 8-bit weights and activations (what ONNX Runtime's
    /// dynamic kernels take), no per-node type override, and no SmoothQuant (which asks for static activations).
    /// </summary>
    public bool CanRunDynamic(string input) =>
        !IsQuantizedActivation(input) && IsFloat(input) && TransformerShaped && Recipe.SmoothQuant is null
        && Override(_node) is not { ActivationType: not null } and not { WeightType: not null }
        && Recipe.ActivationType is QuantType.UInt8 or QuantType.Int8 && WeightSpec.Type is QuantType.Int8 or QuantType.UInt8;

    /// <summary>A LayerNormalization or Softmax, and more MatMul/Gemm than Conv nodes (a ViT's patch embedding is one Conv).</summary>
    bool TransformerShaped => _transformerShaped ??=
        Graph.Nodes.Any(n => n.OpType is "LayerNormalization" or "Softmax")
        && Graph.Nodes.Count(n => n.OpType is "MatMul" or "Gemm") > Graph.Nodes.Count(n => n.OpType is "Conv" or "ConvTranspose");
    bool? _transformerShaped;

    /// <summary>
    /// Quantizes the node dynamically (see <see cref="QuantPlan.Dynamic"/>): ONNX Runtime's fused kernel on x86/arm64
    /// targets, standard DynamicQuantizeLinear → MatMulInteger ops for the generic one.
    /// </summary>
    public void RunDynamic() =>
        Plan.MarkDynamic(new DynamicNode(_node.Output[0], _node.OpType, WeightSpec, PerChannel, StandardOps: Recipe.Target.Name == "generic"));

    public void KeepFloat(string reason) => Plan.KeepFloat(new KeptFloat(Graph.Describe(_node), _node.OpType, reason));

    /// <summary>Folds a Relu/Clip into its producer's output quantization; its own output is quantized instead.</summary>
    public void FuseActivation(NodeProto activation)
    {
        Plan.FuseActivation(activation);
        Output(activation.Output[0]);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Op quantizers read everything through the builder they declare on.")]
    public long Attribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
}
