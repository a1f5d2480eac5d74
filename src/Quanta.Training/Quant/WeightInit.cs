using static TorchSharp.torch;

namespace Quanta.Training.Quant;

/// <summary>
/// Initial weight scales. At 8 bits and more, min/max (absmax / qmax, as PTQ). Below that, min/max
/// wastes most of the few levels on rare large weights, so each channel's scale is the one of a
/// small grid (fractions of absmax / qmax) that minimises the squared quantization error — for
/// ternary weights this lands near TWN's 0.7·mean|w| threshold; binary weights use the
/// closed-form optimum mean|w| (XNOR-Net).
/// </summary>
internal static class WeightInit
{
    const int GridSteps = 50;

    public static void Initialize(FakeQuantizer fq, Tensor weight)
    {
        // Runs once per weight, with numbers passed as implicit Scalars: inside the process-wide guard.
        using var step = Execution.NativeStep.Begin();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var c = fq.Config;
        // View the weight as [channels, values per channel] around the quantization axis.
        var w = c.Axis is { } axis ? weight.detach().transpose(0, axis).reshape(weight.shape[axis], -1) : weight.detach().reshape(1, -1);
        var absmax = w.abs().amax(1).clamp_min(1e-12f);
        Tensor scale;
        if (c.Scheme == WeightScheme.Binary) scale = w.abs().mean([1L]).clamp_min(1e-12f);
        else if (c.QMax >= 127) scale = absmax / c.QMax;
        else
        {
            var best = full_like(absmax, float.PositiveInfinity);
            scale = absmax / c.QMax;
            for (int k = 1; k <= GridSteps; k++)
            {
                var s = (absmax * (k / (float)GridSteps) / c.QMax).unsqueeze(1);
                var err = ((w / s).round().clamp(c.QMin, c.QMax) * s - w).pow(2).sum(1);
                var better = err.lt(best);
                best = where(better, err, best);
                scale = where(better, s.squeeze(1), scale);
            }
        }
        var values = Execution.TensorConvert.Floats(scale);
        fq.Load(c.Axis is null ? [values[0]] : values, new int[values.Length]);
    }
}
