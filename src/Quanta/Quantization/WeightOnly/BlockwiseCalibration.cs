using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// GPTQ's calibration block by block: the calibration samples go through the model one
/// <see cref="GraphSegment"/> at a time. Each step loads only its segment's weights into ONNX
/// Runtime, runs every batch on the activations the previous step left, collects the Hessians of
/// its layers, hands them to <c>quantize</c> and forgets them, and keeps only the activations that
/// cross into later segments (one residual stream per sample in a decoder). So memory holds one
/// segment's weights and Hessians and one cut's activations, never the whole model's.
/// Later segments see the float model's activations (the layers before them are quantized in the
/// graph, not re-run), as in the first GPTQ release.
/// </summary>
static class BlockwiseCalibration
{
    public static void Run(Model model, IReadOnlyList<GraphSegment> segments, IDataset data, int batchSize, RuntimeOptions? runtime,
        IProgress<WorkProgress>? progress, Action<GraphSegment, IReadOnlyDictionary<string, InputStatistics>> quantize)
    {
        // Data arrays are matched to inputs by name (an unnamed array takes its input's; a decoder's mask and cache are filled as for a first step).
        var inputs = ModelInputs.Of(model);
        int size = inputs.BatchSize(batchSize, data);
        var carried = new List<Dictionary<string, BatchTensor>>();
        for (int s = 0; s < segments.Count; s++)
        {
            var segment = segments[s];
            var accumulators = segment.Layers.GroupBy(l => l.Input).ToDictionary(x => x.Key, x => new HessianAccumulator(x.First().K));
            var next = new List<Dictionary<string, BatchTensor>>();
            int seen = 0;
            // A segment whose layers all read its inputs and that hands nothing on (lm_head at the end) needs no run.
            var produced = segment.Nodes.SelectMany(n => n.Output).ToHashSet();
            bool run = segment.Crossing.Any(produced.Contains) || segment.Taps.Any(produced.Contains);
            using (var runner = run ? new ModelRunner(GraphSegments.ToModel(model, segment), runtime) : null)
            {
                int b = 0;
                foreach (var batch in data.Batches(size))
                {
                    var previous = b < carried.Count ? carried[b] : [];
                    var feeds = new List<BatchTensor>();
                    foreach (var t in inputs.Complete(batch).Inputs)
                        if (t.Name is { } name && segment.GraphInputs.Contains(name)) feeds.Add(t);
                    foreach (var name in segment.Carried) feeds.Add(previous[name]);
                    foreach (var f in feeds)
                        if (accumulators.TryGetValue(f.Name!, out var acc) && f.Values is float[] values) acc.Add(values);

                    var kept = new Dictionary<string, BatchTensor>();
                    foreach (var name in segment.Crossing)
                        if (previous.TryGetValue(name, out var passed)) kept[name] = passed;
                    runner?.Run(new Batch { Inputs = feeds }, (name, shape, values) =>
                    {
                        if (accumulators.TryGetValue(name, out var acc)) acc.Add(values);
                        if (segment.Crossing.Contains(name)) kept[name] = new BatchTensor(name, values.ToArray(), shape);
                    });
                    next.Add(kept);
                    b++;
                    seen += batch.Count;
                    progress?.Report(new WorkProgress($"GPTQ block by block: calibrating and quantizing block {s + 1} of {segments.Count}", seen, data.Count));
                }
            }
            carried = next;
            quantize(segment, accumulators.ToDictionary(kv => kv.Key, kv => new InputStatistics(kv.Value.Hessian(), kv.Value.MeanAbs())));
            // This segment's Hessians (K² doubles each, 254 MB at K = 5632) are garbage now: free them before the next segment's.
            LargeGarbage.Release(returnToSystem: true);
        }
    }
}
