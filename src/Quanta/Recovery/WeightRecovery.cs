using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Recovery;

/// <summary>
/// The recovery steps that run once the plan and its parameters are known: AdaRound chooses each
/// quantized weight's rounding, then bias correction moves each layer's mean output error into its
/// bias. Both change only float weights and biases of a copy of the prepared model, snapped so the
/// rewriter's own rounding reproduces the choices; the plan and its parameters stay as they are.
/// </summary>
internal static class WeightRecovery
{
    public static Model Apply(Model prepared, QuantPlan plan, RecoveryOptions options, Data.IDataset calibration, int batchSize,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var model = prepared.Clone();
        if (!options.AfterPlanning) return model;
        var samples = new CalibrationSamples(calibration, batchSize);
        if (options.AdaRound) AdaRoundLayers(model, plan, samples, options.AdaRoundIterations, runtime, progress);
        if (options.BiasCorrection) BiasCorrection.Apply(prepared, model, plan, samples, runtime, progress);
        return model;
    }

    /// <summary>
    /// One pass of the calibration data through the float model and the round-to-nearest QDQ model
    /// gathers every layer's patch statistics; each layer is then rounded on its own, in parallel.
    /// </summary>
    static void AdaRoundLayers(Model model, QuantPlan plan, CalibrationSamples samples, int iterations, RuntimeOptions? runtime, IProgress<WorkProgress>? progress)
    {
        var g = model.Graph;
        var layers = LayerOutputs.Quantized(g, plan).Select(l => (Layer: l, Patches: LayerPatches.For(l))).Where(x => x.Patches is not null).ToList();
        if (layers.Count == 0) return;
        var qdq = LayerOutputs.WriteQdq(model, plan);
        var qdqInputs = layers.Select(x => LayerOutputs.InQdq(qdq.Graph, x.Layer.Node, plan).Input[0]).ToList();
        var floatInputs = layers.Select(x => x.Layer.Node.Input[0]).ToList();
        using (var quantizedRunner = new ModelRunner(qdq, runtime, qdqInputs))
        using (var floatRunner = new ModelRunner(model, runtime, floatInputs))
        {
            int done = 0;
            foreach (var (data, shape) in samples.Batches)
            {
                var q = quantizedRunner.Run(data, shape).ToDictionary(o => o.Name);
                var f = floatRunner.Run(data, shape).ToDictionary(o => o.Name);
                Parallel.For(0, layers.Count, i => layers[i].Patches!.Add(q[qdqInputs[i]].Values, f[floatInputs[i]].Values, q[qdqInputs[i]].Shape));
                done += (int)shape[0];
                progress?.Report(new WorkProgress("adaround: layer inputs", done, samples.Count));
            }
        }
        // Biggest layers first, so the parallel loop does not end waiting on one long layer.
        var order = Enumerable.Range(0, layers.Count).OrderByDescending(i => (long)layers[i].Layer.Weight.Length * layers[i].Patches!.K).ToList();
        int rounded = 0;
        progress?.Report(new WorkProgress("adaround: rounding", 0, layers.Count));
        // No buffering: the workers take layers in this order rather than in contiguous ranges.
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering), i =>
        {
            var (layer, patches) = layers[i];
            var p = plan.Params[layer.WeightName];
            var result = AdaRound.Round(layer.Rows(), layer.OutChannels, layer.RowLength, p, patches!.Gram, patches.Cross, patches.Count, iterations);
            layer.SetRows(result);
            progress?.Report(new WorkProgress("adaround: rounding", Interlocked.Increment(ref rounded), layers.Count));
        });
        foreach (var (layer, _) in layers) layer.Store(g);
    }
}
