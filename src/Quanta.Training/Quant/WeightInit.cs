using static Quanta.Training.Execution.Scalars;
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
        // Every number goes through the Scalar cache: an implicit Scalar could be freed under libtorch by another thread's collection.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var c = fq.Config;
        // View the weight as [channels, values per channel] around the quantization axis.
        var w = c.Axis is { } axis ? weight.detach().transpose(0, axis).reshape(weight.shape[axis], -1) : weight.detach().reshape(1, -1);
        var tiny = Of(1e-12);
        var absmax = w.abs().amax(1).clamp_min(tiny);
        Tensor scale;
        if (c.Scheme == WeightScheme.Binary) scale = w.abs().mean([1L]).clamp_min(tiny);
        else if (c.QMax >= 127) scale = absmax.div(Of((double)c.QMax));
        else
        {
            var best = full_like(absmax, Of(double.PositiveInfinity));
            scale = absmax.div(Of((double)c.QMax));
            for (int k = 1; k <= GridSteps; k++)
            {
                var s = absmax.mul(Of(k / (double)GridSteps / c.QMax)).unsqueeze(1);
                var diff = w.div(s).round().clamp(Of((double)c.QMin), Of((double)c.QMax)).mul(s).sub(w);
                var err = diff.mul(diff).sum(1); // not square(): it is pow(2) with an implicit Scalar
                var better = err.lt(best);
                best = where(better, err, best);
                scale = where(better, s.squeeze(1), scale);
            }
        }
        var values = Execution.TensorConvert.Floats(scale);
        fq.Load(c.Axis is null ? [values[0]] : values, new int[values.Length]);
    }
}
