using System.Numerics.Tensors;
using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Streams calibration data through ONNX Runtime with the MatMul inputs as extra outputs and
/// accumulates <c>H = 2/rows · Σ xxᵀ</c> for each, one row x per token/sample. Memory is one
/// K×K matrix per distinct input (Q, K and V projections share theirs), never the data.
/// The same pass keeps each input channel's mean |x|, the activation scale AWQ reads.
/// </summary>
public static class HessianCollector
{
    /// <param name="inputs">Tensor name → K (its last dimension).</param>
    public static Dictionary<string, double[]> Collect(Model prepared, IReadOnlyDictionary<string, int> inputs, IDataset data,
        int batchSize, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null) =>
        CollectStatistics(prepared, inputs, data, batchSize, runtime, progress).ToDictionary(kv => kv.Key, kv => kv.Value.Hessian);

    /// <summary>Hessian and per-channel mean |x| of each input.</summary>
    public static Dictionary<string, InputStatistics> CollectStatistics(Model prepared, IReadOnlyDictionary<string, int> inputs, IDataset data,
        int batchSize, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var sums = inputs.ToDictionary(kv => kv.Key, kv => new HessianAccumulator(kv.Value));
        var tapped = Calibration.BodyTaps.Expose(prepared, inputs.Keys); // layers inside control-flow bodies too
        using var runner = new ModelRunner(tapped.Model, runtime, tapped.TensorOf.Keys.ToList());
        int seen = 0;
        foreach (var batch in data.Batches(runner.BatchSize(batchSize, data)))
        {
            runner.RunParallel(batch, (name, values) =>
            {
                if (tapped.TensorOf.TryGetValue(name, out var tensor) && sums.TryGetValue(tensor, out var acc)) acc.Add(values);
            });
            seen += batch.Count;
            progress?.Report(new WorkProgress("collecting activation statistics", seen, data.Count));
        }
        return sums.ToDictionary(kv => kv.Key, kv => new InputStatistics(kv.Value.Hessian(), kv.Value.MeanAbs()));
    }
}

/// <summary>What calibration says about one layer input: <c>H = 2/rows · Σ xxᵀ</c> [K, K] and mean |x| per channel [K].</summary>
public sealed record InputStatistics(double[] Hessian, double[] MeanAbs);
