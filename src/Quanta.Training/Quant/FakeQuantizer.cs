using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Training.Execution;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Quanta.Training.Quant;

/// <summary>
/// One tensor's fake quantizer, as PyTorch's FakeQuantize: it owns an optional observer and two
/// switches. Observing on / quantizing off is calibration, both off is the float model, quantizing
/// on with observing off is QAT with ranges frozen after warm-up. Scale and zero point are
/// parameters (learned when the config says so, LSQ) and are what export writes.
/// </summary>
public sealed class FakeQuantizer : nn.Module<Tensor, Tensor>
{
    public QuantizerConfig Config { get; }
    public IObserver? Observer { get; }
    public bool Observing { get; set; }
    public bool Quantizing { get; set; }

    readonly Parameter _scale;
    readonly Parameter _zeroPoint;
    long[]? _viewShape; // parameters broadcast along Config.Axis

    public Parameter Scale => _scale;
    public Parameter ZeroPoint => _zeroPoint;

    public FakeQuantizer(string name, QuantizerConfig config, long channels, IObserver? observer = null) : base(name)
    {
        Config = config;
        Observer = observer;
        var shape = config.Axis is null ? Array.Empty<long>() : [channels];
        _scale = new Parameter(ones(shape), requires_grad: config.LearnScale);
        _zeroPoint = new Parameter(zeros(shape), requires_grad: config.LearnZeroPoint);
        register_parameter("scale", _scale);
        register_parameter("zero_point", _zeroPoint);
    }

    public override Tensor forward(Tensor x)
    {
        if (Observing && Observer is not null) Observer.Observe(TensorConvert.Floats(x));
        if (!Quantizing) return x;
        var (s, z) = Broadcast(x);
        // LSQ gradient scale: N values share one scale, Qp is the positive range it spans.
        long perScale = IsWeight ? x.numel() / _scale.numel() : x.numel() / Math.Max(1, x.dim() > 0 ? x.shape[0] : 1);
        double qp = Math.Max(1, Config.QMax - (Config.Symmetric ? 0 : Config.QMin));
        if (Config.LearnScale) s = FakeQuant.GradScale(s, 1.0 / Math.Sqrt(perScale * qp));
        return Config.Scheme == WeightScheme.Binary
            ? FakeQuant.Binary(x, s)
            : FakeQuant.Uniform(x, s, z, Config.QMin, Config.QMax);
    }

    /// <summary>Set by the simulation: weights count all their values per scale, activations one sample's.</summary>
    public bool IsWeight { get; init; }

    (Tensor Scale, Tensor ZeroPoint) Broadcast(Tensor x)
    {
        // Per-tensor parameters broadcast as shape [1], not as 0-d tensors: torch divides by a 0-d
        // (CPU scalar) tensor by multiplying with its reciprocal, which is not the float32 division
        // QuantizeLinear and QuantMath perform, and values near a rounding tie would then differ.
        if (Config.Axis is not { } axis) return (_scale.view(1), _zeroPoint.view(1));
        if (_viewShape is null || _viewShape.Length != x.dim())
        {
            _viewShape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
            _viewShape[Host.Axis(axis, x.dim())] = _scale.numel();
        }
        return (_scale.view(_viewShape), _zeroPoint.view(_viewShape));
    }

    /// <summary>Starts from existing parameters (a calibrated range or a weight's initial scale).</summary>
    public void Load(float[] scale, int[] zeroPoint)
    {
        using var _ = no_grad();
        _scale.copy_(tensor(scale).reshape(_scale.shape));
        _zeroPoint.copy_(tensor(zeroPoint.Select(z => (float)z).ToArray()).reshape(_zeroPoint.shape));
    }

    /// <summary>The learned parameters as the rest of Quanta speaks them (export, reports).</summary>
    public QuantParams ToParams()
    {
        var s = TensorConvert.Floats(_scale).Select(v => Math.Max(v, QuantMath.MinScale)).ToArray();
        var z = TensorConvert.Floats(_zeroPoint).Select(v => Math.Clamp((int)MathF.Round(v, MidpointRounding.ToEven), Config.QMin, Config.QMax)).ToArray();
        return new QuantParams(s, z, Config.Container, Config.QMin, Config.QMax, Config.Axis);
    }

    /// <summary>Keeps learned scales positive after an optimizer step (LSQ can overshoot at high learning rates).</summary>
    public void Constrain()
    {
        using var _ = no_grad();
        _scale.clamp_min_(Scalars.Of(1e-8f));
        if (Config.LearnZeroPoint) _zeroPoint.clamp_(Scalars.Of((long)Config.QMin), Scalars.Of((long)Config.QMax));
    }
}
