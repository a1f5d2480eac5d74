using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;

namespace Quanta.Quantization;

/// <summary>
/// Fills a plan's parameters once activation ranges are known: activations from their
/// calibrated range, weights from their values (per channel or per tensor), biases as int32
/// with scale = input scale × weight scale and zero point 0, as integer kernels require.
/// </summary>
static class ParamResolver
{
    public static void Resolve(Graph g, QuantPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Weight))
        {
            var tensor = g.FindInitializer(t.Name)!;
            var values = Tensors.ToFloats(tensor);
            var shape = tensor.Dims.ToArray();
            // Below 8 bits a few outliers would set the step for a whole channel: clip where it lowers the error.
            bool clip = t.Spec.Bits < 8;
            plan.SetParams(t.Name, t.Axis is { } axis && shape.Length > axis
                ? clip ? WeightClipping.PerChannel(values, shape, axis, t.Spec) : QuantMath.PerChannel(values, shape, axis, t.Spec)
                : clip ? WeightClipping.PerTensor(values, t.Spec) : QuantMath.PerTensor(values, t.Spec));
        }
        ResolveActivations(g, plan, ranges);
    }

    /// <summary>
    /// Only what depends on the activation ranges — activations and biases — once the weights are
    /// resolved: what `--method auto` redoes for each candidate set of ranges.
    /// </summary>
    public static void ResolveActivations(Graph g, QuantPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Activation && t.SameAs is null))
        {
            var (min, max) = ranges[t.Name];
            plan.SetParams(t.Name, QuantMath.FromRange(min, max, t.Spec));
        }
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Activation && t.SameAs is not null))
            plan.SetParams(t.Name, plan.Params[plan.ParamsSource(t.Name)]);
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Bias))
            plan.SetParams(t.Name, BiasParams(plan, t, g.FindInitializer(t.Name)!.Dims.ToArray()));
    }

    static QuantParams BiasParams(QuantPlan plan, TensorPlan bias, long[] shape)
    {
        var input = plan.Params[plan.ParamsSource(bias.BiasInput!)];
        var weight = plan.Params[bias.BiasWeight!];
        int channels = (int)(shape.Length == 0 ? 1 : shape[0]);
        var scale = new float[weight.PerTensor ? 1 : channels];
        for (int c = 0; c < scale.Length; c++) scale[c] = input.Scale[0] * weight.Scale[weight.PerTensor ? 0 : c];
        return new QuantParams(scale, new int[scale.Length], QuantType.Int32, int.MinValue + 1, int.MaxValue, weight.PerTensor ? null : 0);
    }
}
