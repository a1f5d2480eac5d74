using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Quanta.Training.Execution;

/// <summary>
/// A TorchSharp module that executes an ONNX graph node by node, with the graph's float
/// weights as trainable parameters. Expects a normalized graph (<c>PassPipeline.Normalize</c>:
/// constants lifted, BatchNorm folded, shape chains folded where static). Quantization hooks
/// (<see cref="IQuantHooks"/>) let the simulation fake-quantize activations as they are produced
/// and weights as they are read, and skip Relu/Clip nodes that quantization absorbs.
/// </summary>
internal sealed class OnnxModule : nn.Module<Tensor, Tensor>
{
    readonly Graph _graph;
    readonly List<(NodeProto Node, Kernel Kernel)> _steps = new();
    readonly Dictionary<string, Tensor> _constants = new();
    readonly Dictionary<string, Parameter> _weights = new();
    readonly string _input;
    readonly string _output;

    public IQuantHooks? Hooks { get; set; }

    /// <summary>Trainable initializers by ONNX name.</summary>
    public IReadOnlyDictionary<string, Parameter> Weights => _weights;

    public string InputName => _input;

    public OnnxModule(Model normalized) : base("onnx")
    {
        _graph = normalized.Graph;
        var inputs = _graph.RealInputs.ToList();
        if (inputs.Count != 1) throw QuantaException.BadInput($"{normalized.Source}: QAT needs a model with one input, found {inputs.Count}");
        _input = inputs[0].Name;
        _output = _graph.Outputs[0].Name;

        var unsupported = _graph.Nodes.Where(n => Kernels.For(n.Domain, n.OpType) is null).Select(n => n.OpType).Distinct().ToList();
        if (unsupported.Count > 0)
            throw QuantaException.BadInput($"{normalized.Source}: QAT cannot execute op type(s) {string.Join(", ", unsupported)}");
        foreach (var node in _graph.TopologicalOrder()) _steps.Add((node, Kernels.For(node.Domain, node.OpType)!));

        int i = 0;
        foreach (var init in _graph.Initializers)
        {
            var t = TensorConvert.FromProto(init);
            if (IsTrainable(init, t))
            {
                var p = new Parameter(t, requires_grad: true);
                register_parameter($"w{i++}", p);
                _weights[init.Name] = p;
            }
            else _constants[init.Name] = t;
        }
    }

    /// <summary>
    /// Float initializers with more than one element are weights (convolutions, matrices, biases,
    /// norms, embeddings). Scalars are the graph's fixed constants (clip bounds, exponents,
    /// attention scaling, epsilon) and stay fixed, as do inputs of ops that read them on the host.
    /// </summary>
    bool IsTrainable(TensorProto init, Tensor t) =>
        t.dtype == ScalarType.Float32 && t.numel() > 1
        && _graph.Consumers(init.Name).All(c => c.OpType is not ("Clip" or "Pow" or "Reshape" or "Expand" or "Slice"));

    public override Tensor forward(Tensor input)
    {
        var env = new Dictionary<string, Tensor>(_steps.Count * 2) { [_input] = Hooks?.OnActivation(_input, input) ?? input };
        var hooks = Hooks;
        foreach (var (node, kernel) in _steps)
        {
            var inputs = new Tensor?[node.Input.Count];
            for (int k = 0; k < inputs.Length; k++)
                inputs[k] = node.Input[k].Length == 0 ? null : Read(node.Input[k], env, hooks);
            Tensor[] outputs = hooks is not null && hooks.Absorbs(node)
                ? [inputs[0]!] // Relu/Clip folded into the producer's output quantizer
                : kernel(new NodeArgs(node, inputs));
            for (int k = 0; k < outputs.Length && k < node.Output.Count; k++)
            {
                string name = node.Output[k];
                if (name.Length == 0) continue;
                env[name] = hooks?.OnActivation(name, outputs[k]) ?? outputs[k];
            }
        }
        return env[_output];
    }

    Tensor Read(string name, Dictionary<string, Tensor> env, IQuantHooks? hooks)
    {
        if (env.TryGetValue(name, out var t)) return t;
        if (_weights.TryGetValue(name, out var p))
        {
            var w = hooks?.OnWeight(name, p) ?? p;
            env[name] = w; // quantize a shared weight once per forward pass
            return w;
        }
        if (_constants.TryGetValue(name, out var c)) return c;
        throw new InvalidOperationException($"tensor '{name}' is read before it is computed");
    }

    /// <summary>Registers a fake quantizer so its scale and zero point train, save and load with the weights.</summary>
    public void AddQuantizer(string key, nn.Module quantizer) => register_module(key, quantizer);

    /// <summary>Copies the trained weights into <paramref name="model"/>'s initializers (same names).</summary>
    public void WriteWeights(Model model, Func<string, Tensor, Tensor>? transform = null)
    {
        using var _ = no_grad();
        foreach (var (name, p) in _weights)
        {
            var init = model.Graph.Initializer(name) ?? throw new InvalidOperationException($"initializer '{name}' not in the export model");
            using var scope = NewDisposeScope();
            var values = TensorConvert.Floats(transform is null ? p : transform(name, p));
            var replacement = Tensors.FromFloats(name, init.Dims.ToArray(), values);
            init.ClearRawData();
            init.FloatData.Clear();
            init.RawData = replacement.RawData;
            init.DataType = DataTypes.Float;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var c in _constants.Values) c.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Where the quantization simulation plugs into <see cref="OnnxModule"/>.</summary>
internal interface IQuantHooks
{
    /// <summary>Called once per produced tensor (and for the graph input); returns the value consumers see.</summary>
    Tensor OnActivation(string name, Tensor value);
    /// <summary>Called when a weight is first read in a forward pass; returns the value the op uses.</summary>
    Tensor OnWeight(string name, Tensor weight);
    /// <summary>True for Relu/Clip nodes whose effect the quantization of their input already applies.</summary>
    bool Absorbs(NodeProto node);
}
