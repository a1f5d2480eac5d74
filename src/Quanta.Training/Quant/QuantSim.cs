using Quanta.Calibration;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Training.Execution;
using static TorchSharp.torch;

namespace Quanta.Training.Quant;

/// <summary>
/// The quantization simulation: static PTQ's own <see cref="Planner"/> decides which tensors are
/// quantized (activations, weights, fused Relu/Clip, pass-through ops sharing their input's
/// parameters), and a <see cref="FakeQuantizer"/> is attached to each activation and weight the
/// plan quantizes. The forward pass then computes what the exported QDQ model computes (biases,
/// int32 in the export, are left float: their step is input scale × weight scale, far below the
/// weights' error). Relu/Clip nodes the plan fuses are skipped while quantizing, exactly as the
/// export removes them; their range's lower end (zero point fixed at qmin) does the clamping.
/// </summary>
public sealed class QuantSim : IQuantHooks
{
    public ResolvedRecipe Recipe { get; }
    public QuantPlan Plan { get; }
    public QatOptions Options { get; }
    public IReadOnlyDictionary<string, FakeQuantizer> Activations => _activations;
    public IReadOnlyDictionary<string, FakeQuantizer> Weights => _weights;

    readonly Dictionary<string, FakeQuantizer> _activations = new();
    readonly Dictionary<string, FakeQuantizer> _weights = new();
    readonly HashSet<NodeProto> _fused;
    bool _enabled;

    QuantSim(ResolvedRecipe recipe, QuantPlan plan, QatOptions options)
    {
        Recipe = recipe;
        Plan = plan;
        Options = options;
        _fused = new HashSet<NodeProto>(plan.FusedActivations);
    }

    /// <summary>The static-quantization recipe that plans the same tensors QAT trains (and export writes).</summary>
    public static ResolvedRecipe RecipeFor(QatOptions o, Hardware hardware)
    {
        var weightType = o.Weights != WeightScheme.Uniform ? "int8" : o.WeightBits <= 4 ? "int4" : o.WeightBits <= 8 ? "int8" : "int16";
        return new QuantRecipe
        {
            ActivationType = o.ActivationBits <= 8 ? "uint8" : "uint16",
            WeightType = weightType,
            PerChannel = o.PerChannel,
            SymmetricWeights = true,
            SymmetricActivations = false,
            ReduceRange = o.Weights != WeightScheme.Uniform || o.WeightBits != 8 ? false : o.ReduceRange,
            Method = o.Method,
            Percentile = o.Percentile,
            CalibCount = o.CalibCount,
            Seed = o.Seed,
        }.Resolve(hardware);
    }

    /// <summary>Plans <paramref name="normalized"/> (the graph <paramref name="module"/> runs) and attaches fake quantizers.</summary>
    public static QuantSim Attach(OnnxModule module, Model normalized, QatOptions o, ResolvedRecipe recipe)
    {
        var plan = Planner.Plan(normalized.Graph, recipe);
        var sim = new QuantSim(recipe, plan, o);
        var fusedOutputs = plan.FusedActivations.Select(n => n.Output[0]).ToHashSet();
        var settings = new CalibrationSettings(o.Percentile);
        int i = 0;
        foreach (var t in plan.Tensors.Values)
        {
            if (t.Role == TensorRole.Activation && t.SameAs is null)
            {
                // A fused Relu/Clip output keeps its zero point at qmin: that is what clamps at 0 once the node is gone.
                var config = QuantizerConfig.Activation(o.ActivationBits, o.LearnScales, o.LearnZeroPoints && !fusedOutputs.Contains(t.Name));
                var fq = new FakeQuantizer($"a{i}", config, 1, ObserverFactory.Create(recipe.Method, settings));
                module.AddQuantizer($"aq{i++}", fq);
                sim._activations[t.Name] = fq;
            }
            else if (t.Role == TensorRole.Weight && module.Weights.TryGetValue(t.Name, out var w))
            {
                int? axis = t.Axis is { } a && a < w.dim() ? a : null;
                var config = QuantizerConfig.Weight(o.Weights, o.WeightBits, recipe.ReduceRange, axis, o.LearnScales);
                var fq = new FakeQuantizer($"w{i}", config, axis is { } ax ? w.shape[ax] : 1) { IsWeight = true };
                module.AddQuantizer($"wq{i++}", fq);
                sim._weights[t.Name] = fq;
                WeightInit.Initialize(fq, w);
            }
        }
        module.Hooks = sim;
        return sim;
    }

    /// <summary>Master switch: off runs the float model (parity, teacher, baseline).</summary>
    public bool Enabled
    {
        get => _enabled;
        set
        {
            _enabled = value;
            foreach (var fq in _activations.Values.Concat(_weights.Values)) fq.Quantizing = value;
        }
    }

    /// <summary>
    /// Warm-up: streams <paramref name="batches"/> through the float model with the activation
    /// observers on, sets each activation quantizer's scale and zero point from its observed
    /// range, then freezes the observers (from here on the ranges only change by learning).
    /// </summary>
    public void Calibrate(OnnxModule module, IEnumerable<Tensor> batches)
    {
        Enabled = false;
        foreach (var fq in _activations.Values) fq.Observing = true;
        using (no_grad())
            foreach (var x in batches)
            {
                using var scope = NewDisposeScope();
                module.forward(x);
            }
        foreach (var (name, fq) in _activations)
        {
            fq.Observing = false;
            var spec = Plan.Tensors[name].Spec;
            var (min, max) = fq.Observer!.Count > 0 ? fq.Observer.Range(spec) : (0f, 0f);
            // PTQ's own range→parameters rule, at the quantizer's bit width (which may be narrower than its storage type).
            var p = QuantMath.FromRange(min, max, fq.Config.Spec);
            fq.Load(p.Scale, p.ZeroPoint);
        }
        Enabled = true;
    }

    public IEnumerable<FakeQuantizer> Quantizers => _activations.Values.Concat(_weights.Values);

    public void Constrain()
    {
        foreach (var fq in Quantizers) fq.Constrain();
    }

    Tensor IQuantHooks.OnActivation(string name, Tensor value) =>
        _enabled && _activations.TryGetValue(name, out var fq) ? fq.forward(value) :
        _activations.TryGetValue(name, out var obs) && obs.Observing ? obs.forward(value) : value;

    Tensor IQuantHooks.OnWeight(string name, Tensor weight) =>
        _enabled && _weights.TryGetValue(name, out var fq) ? fq.forward(weight) : weight;

    bool IQuantHooks.Absorbs(NodeProto node) => _enabled && _fused.Contains(node);
}
