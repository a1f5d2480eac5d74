using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Analysis;

/// <summary>
/// Runs a float model and its quantized version (QDQ, or QOperator read back as QDQ) on the same data and measures, per quantized
/// tensor, how far the quantized values are from the float ones. The float model is first put
/// through the same normalization as quantization (BatchNorm folding, fusions), so tensor names
/// line up: activation X against X_dequantized, weight W against the dequantized W_quantized.
/// Only sums and small histograms are kept, so memory does not grow with the data.
/// </summary>
public static class ModelComparer
{
    public static CompareResult Compare(Model floatModel, Model quantized, IDataset data, CompareOptions? options = null,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        options ??= new CompareOptions();
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        var prepared = PassPipeline.Run(floatModel, PassPipeline.Normalize, out _);
        var g = prepared.Graph;
        var inputNames = g.RealInputs.Select(i => i.Name).ToHashSet();
        string output = options.Output ?? g.Outputs[0].Name;
        if (g.Outputs.All(o => o.Name != output))
            throw QuantaException.BadInput($"model output '{output}': {floatModel.Source} has no such output (outputs: {string.Join(", ", g.Outputs.Select(o => o.Name))})");
        if (!quantized.Graph.Outputs.Any(o => o.Name == output))
            throw QuantaException.BadInput($"{quantized.Source}: has no output '{output}' (is it a quantized version of {floatModel.Source}?)");

        // A QOperator model is read as the QDQ model its integer ops are defined by.
        if (QOperatorRaising.Applies(quantized)) quantized = QOperatorRaising.Apply(quantized);
        var tensors = QdqTensors.Find(quantized);
        var errors = new List<TensorError>();
        var unmatched = new List<string>();
        foreach (var t in tensors.Where(t => t.Kind != QuantizedKind.Activation))
        {
            if (g.Initializer(t.Name) is { } w) errors.Add(WeightError(t, Tensors.ToFloats(w), QdqTensors.Dequantize(quantized, t), w.Dims.ToArray()));
            else unmatched.Add(t.Name);
        }

        var activations = new List<QuantizedTensor>();
        foreach (var t in tensors.Where(t => t.Kind == QuantizedKind.Activation))
            if (inputNames.Contains(t.Name) || g.Producer(t.Name) is not null) activations.Add(t);
            else unmatched.Add(t.Name);

        var floatValues = new Dictionary<string, OutputBuffer>();
        foreach (var t in activations) floatValues[t.Name] = new OutputBuffer();
        floatValues[output] = new OutputBuffer();
        var byDequantized = activations.ToDictionary(t => t.Dequantized);
        var accumulators = activations.ToDictionary(t => t.Name, t => new ErrorAccumulator { Local = t.Params.PerTensor ? t.Params : null });
        var histograms = activations.ToDictionary(t => t.Name, _ => new Histogram(options.HistogramBins));
        var outputs = new OutputTally();
        var quantizedOutput = new OutputBuffer();
        long[] outputShape = [];

        using var floatRunner = new ModelRunner(prepared, runtime, activations.Where(t => !inputNames.Contains(t.Name)).Select(t => t.Name).ToList());
        using var quantRunner = new ModelRunner(quantized, runtime, activations.Select(t => t.Dequantized).ToList());
        // Both models expose every activation: the batch is sized so that stays within the budget.
        int batchSize = floatRunner.BatchSizeWithin(options.BatchSize, data, options.MemoryBudgetBytes / 3);
        int done = 0;
        foreach (var batch in data.Batches(batchSize))
        {
            foreach (var t in batch.Inputs)
            {
                string name = t.Name ?? inputNames.First();
                if (t.Values is float[] values && floatValues.TryGetValue(name, out var input)) input.Set(values);
            }
            floatRunner.Run(batch, (name, shape, values) =>
            {
                if (name == output) outputShape = shape;
                if (floatValues.TryGetValue(name, out var b)) b.Set(values);
            });
            quantRunner.RunParallel(batch, (name, values) =>
            {
                if (name == output) { quantizedOutput.Set(values); return; }
                if (!byDequantized.TryGetValue(name, out var t)) return;
                var reference = floatValues[t.Name].Values;
                accumulators[t.Name].Add(reference, values);
                histograms[t.Name].Add(reference);
            });
            outputs.Add(floatValues[output].Values, quantizedOutput.Values, outputShape, batch.Count, batch.Labels ?? []);
            done += batch.Count;
            progress?.Report(new WorkProgress("comparing", done, data.Count));
        }

        foreach (var t in activations)
        {
            var a = accumulators[t.Name];
            var (lo, hi) = t.Params.PerTensor ? t.RealRange : (float.NaN, float.NaN);
            errors.Add(new TensorError(t.Name, t.Kind, t.Node, t.OpType, a.Count, a.SqnrDb, a.LocalSqnrDb, a.Cosine,
                a.MaxAbsError, a.MeanAbsError, a.ClippingRatio, lo, hi));
        }
        // Worst first; NaN (broken tensors) before everything.
        errors.Sort((x, y) => double.IsNaN(x.SqnrDb) ? (double.IsNaN(y.SqnrDb) ? 0 : -1) : double.IsNaN(y.SqnrDb) ? 1 : x.SqnrDb.CompareTo(y.SqnrDb));
        return new CompareResult(done, errors, outputs.Result(output), unmatched, histograms);
    }

    /// <summary>A stored weight against its float original; clipping counted per channel.</summary>
    static TensorError WeightError(QuantizedTensor t, float[] reference, float[] dequantized, long[] shape)
    {
        var a = new ErrorAccumulator();
        a.Add(reference, dequantized);
        a.AddClipped(Clipped(reference, t, shape));
        var (lo, hi) = t.Params.PerTensor ? t.RealRange : (float.NaN, float.NaN);
        return new TensorError(t.Name, t.Kind, t.Node, t.OpType, a.Count, a.SqnrDb, a.SqnrDb, a.Cosine, a.MaxAbsError, a.MeanAbsError, a.ClippingRatio, lo, hi);
    }

    static long Clipped(ReadOnlySpan<float> w, QuantizedTensor t, long[] shape)
    {
        var p = t.Params;
        if (p.BlockSize > 0) return 0;
        int axis = p.Axis is { } ax ? (ax < 0 ? ax + shape.Length : ax) : -1;
        long inner = 1, dim = 1;
        if (axis >= 0)
        {
            dim = shape[axis];
            for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        }
        long clipped = 0;
        for (int i = 0; i < w.Length; i++)
        {
            int c = axis < 0 ? 0 : (int)(i / inner % dim);
            float lo = Numerics.QuantMath.Dequantize(p.QMin, p.Scale[c], p.ZeroPoint[c]);
            float hi = Numerics.QuantMath.Dequantize(p.QMax, p.Scale[c], p.ZeroPoint[c]);
            if (w[i] < lo || w[i] > hi) clipped++;
        }
        return clipped;
    }
}
