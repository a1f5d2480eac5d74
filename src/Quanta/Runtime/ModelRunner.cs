using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Quanta.Data;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Runtime;

/// <summary>One named float output of a run.</summary>
public readonly record struct OutputTensor(string Name, long[] Shape, float[] Values);

/// <summary>
/// An ONNX Runtime session over a <see cref="Model"/> with one float input. It can expose
/// intermediate tensors by naming them as extra outputs (the graph is extended, then loaded
/// from bytes), which is how calibration and comparison read activations.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    readonly InferenceSession _session;
    readonly SessionOptions _options;
    readonly RunOptions _runOptions = new();
    string? _tempFolder;

    public string InputName { get; }
    /// <summary>The input's declared shape; -1 for symbolic or unknown dimensions.</summary>
    public long[] InputShape { get; }
    public IReadOnlyList<string> OutputNames { get; }

    public ModelRunner(Model model, RuntimeOptions? options = null, IReadOnlyCollection<string>? extraOutputs = null)
    {
        options ??= new RuntimeOptions();
        var inputs = model.Graph.RealInputs.ToList();
        if (inputs.Count != 1)
            throw QuantaException.BadInput($"{model.Source}: expected one model input, found {inputs.Count} ({string.Join(", ", inputs.Select(i => i.Name))})");
        var input = inputs[0];
        if (input.Type?.TensorType is not { } tt || tt.ElemType != DataTypes.Float)
            throw QuantaException.BadInput($"{model.Source}: input '{input.Name}' is not a float tensor");
        InputName = input.Name;
        InputShape = tt.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue : -1L).ToArray() ?? [];

        if (extraOutputs is { Count: > 0 })
        {
            model = model.Clone();
            var existing = model.Graph.Outputs.Select(o => o.Name).ToHashSet();
            foreach (var name in extraOutputs)
                if (existing.Add(name)) model.Graph.Outputs.Add(new ValueInfoProto { Name = name });
            model.Graph.Changed();
        }
        OutputNames = model.Graph.Outputs.Select(o => o.Name).ToList();

        _options = new SessionOptions
        {
            GraphOptimizationLevel = options.Optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = options.Threads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = model.SerializedBytes() < ModelIO.ProtobufLimit
                ? new InferenceSession(model.ToBytes(), _options)
                : new InferenceSession(SaveTemporary(model), _options);
        }
        catch (OnnxRuntimeException e)
        {
            _options.Dispose();
            throw QuantaException.BadInput($"{model.Source}: ONNX Runtime cannot load the model: {OneLine(e.Message)}");
        }
    }

    string SaveTemporary(Model model)
    {
        _tempFolder = Directory.CreateTempSubdirectory("quanta-").FullName;
        string path = Path.Combine(_tempFolder, "model.onnx");
        model.Save(path, new SaveOptions(ExternalData: true));
        return path;
    }

    /// <summary>Checks that samples of <paramref name="sampleShape"/> fit the model's input.</summary>
    public void CheckSampleShape(long[] sampleShape, string dataDescription)
    {
        if (InputShape.Length == 0) return;
        bool fits = InputShape.Length == sampleShape.Length + 1;
        for (int i = 0; fits && i < sampleShape.Length; i++)
            fits = InputShape[i + 1] < 0 || InputShape[i + 1] == sampleShape[i];
        if (!fits)
            throw QuantaException.BadInput(
                $"{dataDescription}: samples have shape [{string.Join(",", sampleShape)}] but model input '{InputName}' expects [{string.Join(",", InputShape.Select(d => d < 0 ? "?" : d.ToString()))}] (check --size, --layout)");
    }

    /// <summary>Runs one batch and returns every output as floats (non-float outputs are skipped).</summary>
    public List<OutputTensor> Run(float[] data, long[] shape)
    {
        var result = new List<OutputTensor>(OutputNames.Count);
        Run(data, shape, (name, outShape, values) => result.Add(new OutputTensor(name, outShape, values.ToArray())));
        return result;
    }

    public List<OutputTensor> Run(Batch batch) => Run(batch.Data, batch.Shape);

    /// <summary>
    /// Runs one batch and hands each float output to <paramref name="sink"/> without copying;
    /// the span is valid only during the call.
    /// </summary>
    public void Run(float[] data, long[] shape, OutputSink sink)
    {
        using var outputs = RunSession(data, shape);
        for (int i = 0; i < outputs.Count; i++)
        {
            var v = outputs[i];
            if (!v.IsTensor) continue;
            var info = v.GetTensorTypeAndShape();
            if (info.ElementDataType != TensorElementType.Float) continue;
            sink(OutputNames[i], info.Shape, v.GetTensorDataAsSpan<float>());
        }
    }

    /// <summary>
    /// Runs one batch and hands the float outputs to <paramref name="sink"/> from several threads
    /// at once (one output per call, each output to exactly one call): for observers that are
    /// independent per tensor.
    /// </summary>
    public void RunParallel(float[] data, long[] shape, ParallelOutputSink sink)
    {
        using var outputs = RunSession(data, shape);
        Parallel.For(0, outputs.Count, i =>
        {
            var v = outputs[i];
            if (v.IsTensor && v.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float)
                sink(OutputNames[i], v.GetTensorDataAsSpan<float>());
        });
    }

    IDisposableReadOnlyCollection<OrtValue> RunSession(float[] data, long[] shape)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        try
        {
            return _session.Run(_runOptions, [InputName], [input], OutputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw QuantaException.BadInput($"ONNX Runtime failed on an input of shape [{string.Join(",", shape)}]: {OneLine(e.Message)}");
        }
    }

    /// <summary>The raw session, for benchmarks that must measure ONNX Runtime itself.</summary>
    public InferenceSession Session => _session;

    static string OneLine(string s)
    {
        s = s.Replace('\n', ' ').Replace('\r', ' ');
        return s.Length > 300 ? s[..300] + "…" : s;
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
        _runOptions.Dispose();
        if (_tempFolder is not null) try { Directory.Delete(_tempFolder, true); } catch (IOException) { }
    }
}

public delegate void OutputSink(string name, long[] shape, ReadOnlySpan<float> values);

public delegate void ParallelOutputSink(string name, ReadOnlySpan<float> values);
