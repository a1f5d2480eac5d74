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
        string inputName = g.RealInputs.First().Name;
        string output = g.Outputs[0].Name;
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
            if (t.Name == inputName || g.Producer(t.Name) is not null) activations.Add(t);
            else unmatched.Add(t.Name);

        var floatValues = new Dictionary<string, Buffer>();
        foreach (var t in activations) floatValues[t.Name] = new Buffer();
        floatValues[output] = new Buffer();
        var byDequantized = activations.ToDictionary(t => t.Dequantized);
        var accumulators = activations.ToDictionary(t => t.Name, t => new ErrorAccumulator { Local = t.Params.PerTensor ? t.Params : null });
        var histograms = activations.ToDictionary(t => t.Name, _ => new Histogram(options.HistogramBins));
        var outputs = new OutputTally();
        var quantizedOutput = new Buffer();

        using var floatRunner = new ModelRunner(prepared, runtime, activations.Where(t => t.Name != inputName).Select(t => t.Name).ToList());
        using var quantRunner = new ModelRunner(quantized, runtime, activations.Select(t => t.Dequantized).ToList());
        floatRunner.CheckSampleShape(data.SampleShape, data.Description);
        int done = 0, classes = 0;
        foreach (var batch in data.Batches(options.BatchSize))
        {
            if (floatValues.TryGetValue(inputName, out var input)) input.Set(batch.Data.AsSpan(0, batch.Count * SampleSize(data)));
            floatRunner.RunParallel(batch.Data, batch.Shape, (name, values) =>
            {
                if (floatValues.TryGetValue(name, out var b)) b.Set(values);
            });
            quantRunner.RunParallel(batch.Data, batch.Shape, (name, values) =>
            {
                if (name == output) { quantizedOutput.Set(values); return; }
                if (!byDequantized.TryGetValue(name, out var t)) return;
                var reference = floatValues[t.Name].Values;
                accumulators[t.Name].Add(reference, values);
                histograms[t.Name].Add(reference);
            });
            classes = floatValues[output].Values.Length / batch.Count;
            outputs.Add(floatValues[output].Values, quantizedOutput.Values, classes, batch.Labels is null ? [] : batch.Labels.AsSpan(0, batch.Count));
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

    static int SampleSize(IDataset data)
    {
        long n = 1;
        foreach (var d in data.SampleShape) n *= d;
        return (int)n;
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

    /// <summary>A reusable copy of one output of the latest batch.</summary>
    sealed class Buffer
    {
        float[] _data = [];
        int _length;
        public ReadOnlySpan<float> Values => _data.AsSpan(0, _length);

        public void Set(ReadOnlySpan<float> values)
        {
            if (_data.Length < values.Length) _data = new float[values.Length];
            values.CopyTo(_data);
            _length = values.Length;
        }
    }
}
