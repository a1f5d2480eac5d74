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
public static class WeightRecovery
{
    public static Model Apply(Model prepared, QuantPlan plan, RecoveryOptions options, Data.IDataset calibration, int batchSize,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var model = prepared.Clone();
        if (!options.AfterPlanning) return model;
        var samples = new CalibrationSamples(calibration, batchSize);
        if (options.AdaRound) AdaRoundLayers(prepared, model, plan, samples, options.AdaRoundIterations, runtime, progress);
        if (options.BiasCorrection) BiasCorrection.Apply(prepared, model, plan, samples, runtime, progress);
        return model;
    }

    /// <summary>At most this many passes over the calibration data gather AdaRound's layer inputs (see <see cref="AdaRoundLayers"/>).</summary>
    internal const int MaxStages = 12;

    /// <summary>
    /// Layers are rounded in stages, in execution order. Before each stage one pass of the
    /// calibration data through the float model and through the QDQ model that already carries the
    /// rounding chosen for every earlier stage gathers the stage's patch statistics, so each layer
    /// reconstructs its float output from the input the final quantized model will really feed it
    /// (AIMET and BRECQ do the same). Statistics taken from the round-to-nearest model instead
    /// would teach later layers to undo errors that AdaRound has already removed upstream.
    /// Within a stage the layers are rounded in parallel; with at most <see cref="MaxStages"/>
    /// stages the cost stays a bounded number of passes however deep the model is.
    /// </summary>
    static void AdaRoundLayers(Model reference, Model model, QuantPlan plan, CalibrationSamples samples, int iterations, RuntimeOptions? runtime, IProgress<WorkProgress>? progress)
    {
        var g = model.Graph;
        var all = LayerOutputs.Quantized(g, plan).Where(l => LayerPatches.For(l) is not null).ToList();
        if (all.Count == 0) return;
        int stageCount = Math.Min(all.Count, MaxStages), rounded = 0;
        for (int stage = 0; stage < stageCount; stage++)
        {
            var layers = all.Skip(stage * all.Count / stageCount).Take((stage + 1) * all.Count / stageCount - stage * all.Count / stageCount)
                .Select(l => (Layer: l, Patches: LayerPatches.For(l)!)).ToList();
            GatherInputs(reference, model, plan, layers, samples, runtime, progress, $"adaround: layer inputs, stage {stage + 1} of {stageCount}");
            // Biggest layers first, so the parallel loop does not end waiting on one long layer.
            var order = Enumerable.Range(0, layers.Count).OrderByDescending(i => (long)layers[i].Layer.Weight.Length * layers[i].Patches.K).ToList();
            // No buffering: the workers take layers in this order rather than in contiguous ranges.
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering), i =>
            {
                var (layer, patches) = layers[i];
                var p = plan.Params[layer.WeightName];
                var result = AdaRound.Round(layer.Rows(), layer.OutChannels, layer.RowLength, p, patches.Gram, patches.Cross, patches.Count, iterations);
                layer.SetRows(result);
                progress?.Report(new WorkProgress("adaround: rounding", Interlocked.Increment(ref rounded), all.Count));
            });
            foreach (var (layer, _) in layers) layer.Store(g);
        }
    }

    /// <summary>One pass of the calibration data: each layer's input in the current QDQ model against the float model's.</summary>
    /// <remarks>Both sessions expose only this stage's inputs: all of a deep model's at once would hold gigabytes per batch.</remarks>
    static void GatherInputs(Model reference, Model model, QuantPlan plan, List<(LinearLayer Layer, LayerPatches Patches)> layers,
        CalibrationSamples samples, RuntimeOptions? runtime, IProgress<WorkProgress>? progress, string what)
    {
        var qdq = LayerOutputs.WriteQdq(model, plan);
        var qdqInputs = layers.Select(x => LayerOutputs.InQdq(qdq.Graph, x.Layer.Node, plan).Input[0]).ToList();
        using var quantizedRunner = new ModelRunner(qdq, runtime, qdqInputs.Distinct().ToList());
        using var floatRunner = new ModelRunner(reference, runtime, layers.Select(x => x.Layer.Node.Input[0]).Distinct().ToList());
        int done = 0;
        foreach (var (data, shape) in samples.Batches)
        {
            var q = quantizedRunner.Run(data, shape).ToDictionary(o => o.Name);
            var f = floatRunner.Run(data, shape).ToDictionary(o => o.Name);
            Parallel.For(0, layers.Count, i => layers[i].Patches.Add(q[qdqInputs[i]].Values, f[layers[i].Layer.Node.Input[0]].Values, q[qdqInputs[i]].Shape));
            done += (int)shape[0];
            progress?.Report(new WorkProgress(what, done, samples.Count));
        }
    }
}
