using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Quanta.Analysis;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Calibration;

/// <summary>
/// Scores candidate activation ranges for `--method auto` through one ONNX Runtime session. Candidates
/// differ only in the tensors their ranges decide — each activation's scale and zero point, and each
/// bias (stored as int32 at input scale × weight scale) — so the QDQ model is written once, those
/// initializers are also declared as graph inputs (which lets ONNX Runtime replace them on each run),
/// and every candidate is a set of replacement values fed beside the held-out samples: no model written,
/// no session started, no weight quantized again per candidate.
/// </summary>
internal sealed class CandidateScorer : IDisposable
{
    readonly Graph _float;
    readonly QuantPlan _plan;
    readonly ReferenceRun _reference;
    readonly ModelRunner _runner;
    /// <summary>The range-dependent tensors the written model holds (names the writer gave them).</summary>
    readonly HashSet<string> _overridable;

    CandidateScorer(Graph floatGraph, QuantPlan plan, ReferenceRun reference, ModelRunner runner, HashSet<string> overridable)
    {
        _float = floatGraph;
        _plan = plan;
        _reference = reference;
        _runner = runner;
        _overridable = overridable;
    }

    /// <summary>The samples each candidate is scored on.</summary>
    public int Samples => _reference.Data.Count;

    /// <summary>
    /// Whether the output is class scores ([N,C], or [N,T,C] of a single-output model), where the label-free
    /// metric is top-1 agreement with the float model: then candidates are ranked by it first.
    /// </summary>
    public bool ByAgreement => _reference.LabelFreeMetric == Metric.Agreement;

    /// <summary>
    /// Writes <paramref name="prepared"/> in QDQ form with <paramref name="ranges"/> (any candidate's) and opens
    /// the one session. The range-dependent tensors are computed here as <see cref="Score"/> will compute
    /// them and must equal what the writer stored, so a change in how the writer names or encodes them
    /// fails here rather than scoring stale values.
    /// </summary>
    public static CandidateScorer Open(Model prepared, QuantPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges,
        ReferenceRun reference)
    {
        ParamResolver.Resolve(prepared.Graph, plan, ranges);
        var model = prepared.Clone();
        QdqWriter.Apply(model, plan);
        var root = model.Graph;
        var overridable = new HashSet<string>();
        foreach (var t in RangeTensors(prepared.Graph, plan))
        {
            var scope = root.Scopes().FirstOrDefault(g => g.IsInitializer(t.Name));
            if (scope is null) continue;   // a tensor the writer left out (nothing reads it)
            var stored = scope.Initializer(t.Name)!;
            if (!stored.Equals(t))
                throw new InvalidOperationException($"auto calibration: the written model's '{t.Name}' differs from the candidate value computed for it");
            // Inputs are declared on the main graph; a control-flow body reads an outer tensor by name.
            if (scope != root)
            {
                scope.RemoveInitializer(t.Name);
                root.AddInitializer(stored);
            }
            root.Inputs.Add(InputFor(stored));
            overridable.Add(t.Name);
        }
        root.Changed();
        return new CandidateScorer(prepared.Graph, plan, reference, reference.Runner(model), overridable);
    }

    /// <summary>How closely the model quantized with <paramref name="ranges"/> follows the float model on the held-out samples.</summary>
    public OutputAgreement Score(IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        ParamResolver.ResolveActivations(_float, _plan, ranges);
        var overrides = RangeTensors(_float, _plan).Where(t => _overridable.Contains(t.Name)).Select(t => (t.Name, ToOrtValue(t))).ToList();
        try
        {
            return _reference.Score(_runner, overrides);
        }
        finally
        {
            foreach (var (_, value) in overrides) value.Dispose();
        }
    }

    /// <summary>
    /// Every tensor the ranges decide, encoded as <see cref="QdqWriter"/> stores it: the scale and zero point
    /// of each activation's parameter source, and each bias with its scale and zero point.
    /// </summary>
    static IEnumerable<TensorProto> RangeTensors(Graph floatGraph, QuantPlan plan)
    {
        var sources = new HashSet<string>();
        foreach (var t in plan.Tensors.Values)
        {
            if (t.Role == TensorRole.Activation)
            {
                string source = plan.ParamsSource(t.Name);
                if (!sources.Add(source)) continue;
                foreach (var p in ScaleAndZeroPoint(source, plan.Params[source])) yield return p;
            }
            else if (t.Role == TensorRole.Bias)
            {
                var p = plan.Params[t.Name];
                var bias = floatGraph.FindInitializer(t.Name)!;
                var values = Tensors.ToFloats(bias);
                var shape = bias.Dims.ToArray();
                var q = new int[values.Length];
                QuantMath.Quantize(values, p, shape, q);
                yield return Tensors.FromRaw(TensorNames.Quantized(t.Name), p.Type.OnnxDataType(), shape, QuantMath.ToBytes(q, p.Type));
                foreach (var sz in ScaleAndZeroPoint(t.Name, p)) yield return sz;
            }
        }
    }

    static IEnumerable<TensorProto> ScaleAndZeroPoint(string tensor, QuantParams p)
    {
        long[] dims = p.PerTensor ? [] : [p.Scale.Length];
        yield return Tensors.FromFloats(TensorNames.Scale(tensor), dims, p.Scale);
        yield return Tensors.FromRaw(TensorNames.ZeroPoint(tensor), p.Type.OnnxDataType(), dims, QuantMath.ToBytes(p.ZeroPoint, p.Type));
    }

    static ValueInfoProto InputFor(TensorProto t)
    {
        var shape = new TensorShapeProto();
        foreach (var d in t.Dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = t.Name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = t.DataType, Shape = shape } } };
    }

    /// <summary>The tensor's raw bytes in an ONNX Runtime value of its element type (ONNX and ONNX Runtime number the types alike).</summary>
    static OrtValue ToOrtValue(TensorProto t)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)t.DataType, t.Dims.ToArray());
        t.RawData.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    public void Dispose() => _runner.Dispose();
}
