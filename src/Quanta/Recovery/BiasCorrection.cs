using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Recovery;

/// <summary>
/// Empirical bias correction (Nagel et al. 2019; AIMET's and NNCF's "bias correction"): a
/// quantized layer's output is off by a mean error per channel, E[ŷ] − E[y], that the next layers
/// inherit. Measured on calibration data and subtracted from the layer's bias, it vanishes. Layers
/// are corrected one at a time in execution order, each measured on the QDQ model that already
/// carries the corrections before it, since those change what later layers receive.
/// </summary>
internal static class BiasCorrection
{
    /// <summary>
    /// Corrects the biases of <paramref name="model"/> (a copy of <paramref name="reference"/>,
    /// perhaps with re-rounded weights) so that its QDQ form matches <paramref name="reference"/>'s
    /// float layer outputs on average. Layers without a bias are left alone (a new float bias
    /// would keep the layer out of integer kernels).
    /// </summary>
    internal static void Apply(Model reference, Model model, QuantPlan plan, CalibrationSamples samples, RuntimeOptions? runtime, IProgress<WorkProgress>? progress)
    {
        var g = model.Graph;
        var layers = LayerOutputs.Quantized(g, plan).Where(l => l.Bias is not null && plan.Tensors.ContainsKey(l.BiasName!)).ToList();
        if (layers.Count == 0) return;
        var floatMeans = ChannelMeans(reference, layers.Select(l => l.Node.Output[0]).ToList(), samples, runtime);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var qdq = LayerOutputs.WriteQdq(model, plan);
            string output = LayerOutputs.QdqOutput(layer.Node, plan);
            var quantizedMean = ChannelMeans(qdq, [output], samples, runtime)[output];
            var expected = floatMeans[layer.Node.Output[0]];
            for (int c = 0; c < layer.Bias!.Length; c++) layer.Bias[c] -= (float)(quantizedMean[c] - expected[c]);
            layer.Store(g);
            progress?.Report(new WorkProgress("bias correction", i + 1, layers.Count));
        }
    }

    /// <summary>Mean per channel (axis 1) of each named tensor over all calibration samples.</summary>
    static Dictionary<string, double[]> ChannelMeans(Model model, List<string> tensors, CalibrationSamples samples, RuntimeOptions? runtime)
    {
        var sums = new Dictionary<string, double[]>();
        var counts = new Dictionary<string, long>();
        using var runner = new ModelRunner(model, runtime, tensors);
        var wanted = tensors.ToHashSet();
        foreach (var (data, shape) in samples.Batches)
            runner.Run(data, shape, (name, outShape, values) =>
            {
                if (!wanted.Contains(name)) return;
                int channels = (int)outShape[1];
                long inner = 1;
                for (int d = 2; d < outShape.Length; d++) inner *= outShape[d];
                if (!sums.TryGetValue(name, out var sum)) sums[name] = sum = new double[channels];
                for (int b = 0; b < outShape[0]; b++)
                    for (int c = 0; c < channels; c++)
                    {
                        var slice = values.Slice((int)((b * channels + c) * inner), (int)inner);
                        sum[c] += System.Numerics.Tensors.TensorPrimitives.Sum(slice);
                    }
                counts[name] = counts.GetValueOrDefault(name) + outShape[0] * inner;
            });
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value.Select(s => s / counts[kv.Key]).ToArray());
    }
}
