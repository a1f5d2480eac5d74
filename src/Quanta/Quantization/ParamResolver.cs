using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;

namespace Quanta.Quantization;

/// <summary>
/// Fills a plan's parameters once activation ranges are known: activations from their
/// calibrated range, weights from their values (per channel or per tensor), biases as int32
/// with scale = input scale × weight scale and zero point 0, as integer kernels require.
/// The one place that does so: static PTQ passes calibrated ranges, QAT its trained scales.
/// </summary>
public static class ParamResolver
{
    /// <summary>
    /// Static PTQ: each activation's parameters from its calibrated range; tensors that share a scale
    /// (a Concat's inputs and output, <see cref="QuantPlan.ShareScale"/>) from the union of their ranges.
    /// </summary>
    public static void Resolve(Graph g, QuantPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        Resolve(g, plan, FromRanges(plan, ranges));
    }

    /// <summary>
    /// Only what depends on the activation ranges — activations and biases — once the weights are
    /// resolved: what `--method auto` redoes for each candidate set of ranges.
    /// </summary>
    public static void ResolveActivations(Graph g, QuantPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        Activations(plan, FromRanges(plan, ranges));
        Biases(g, plan);
    }

    /// <summary>
    /// Parameters from any source: <paramref name="activation"/> for each activation that owns its
    /// parameters, <paramref name="weight"/> (null or returning null: from the weight's values) for
    /// weights; activations sharing another's parameters (SameAs, shared scales) and int32 biases follow from those.
    /// </summary>
    public static void Resolve(Graph g, QuantPlan plan, Func<TensorPlan, QuantParams> activation, Func<TensorPlan, QuantParams?>? weight = null)
    {
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Weight))
        {
            if (weight?.Invoke(t) is { } given)
            {
                plan.SetParams(t.Name, given);
                continue;
            }
            var tensor = g.FindInitializer(t.Name)!;
            var values = Tensors.ToFloats(tensor);
            var shape = tensor.Dims.ToArray();
            // Below 8 bits a few outliers would set the step for a whole channel: clip where it lowers the error.
            bool clip = t.Spec.Bits < 8;
            plan.SetParams(t.Name, t.Axis is { } axis && shape.Length > axis
                ? clip ? WeightClipping.PerChannel(values, shape, axis, t.Spec) : QuantMath.PerChannel(values, shape, axis, t.Spec)
                : clip ? WeightClipping.PerTensor(values, t.Spec) : QuantMath.PerTensor(values, t.Spec));
        }
        Activations(plan, activation);
        Biases(g, plan);
    }

    /// <summary>Calibrated ranges as parameters; tensors sharing a scale take the union of their ranges.</summary>
    static Func<TensorPlan, QuantParams> FromRanges(QuantPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        var union = plan.TensorsToCalibrate.GroupBy(plan.ParamsSource)
            .ToDictionary(group => group.Key, group => (Min: group.Min(t => ranges[t].Min), Max: group.Max(t => ranges[t].Max)));
        return t => QuantMath.FromRange(union[t.Name].Min, union[t.Name].Max, t.Spec);
    }

    static void Activations(QuantPlan plan, Func<TensorPlan, QuantParams> activation)
    {
        // An activation owns its parameters unless it derives from another's (SameAs) or shares another's scale.
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Activation && plan.ParamsSource(t.Name) == t.Name))
            plan.SetParams(t.Name, activation(t));
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Activation && plan.ParamsSource(t.Name) != t.Name))
            plan.SetParams(t.Name, plan.Params[plan.ParamsSource(t.Name)]);
    }

    static void Biases(Graph g, QuantPlan plan)
    {
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
