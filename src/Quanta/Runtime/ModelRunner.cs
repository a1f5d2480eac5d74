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
/// An ONNX Runtime session over a <see cref="Model"/>, fed from <see cref="Batch"/>es through
/// <see cref="ModelInputs"/> (any number of inputs, any element type Quanta reads). It can expose
/// intermediate tensors by naming them as extra outputs (the graph is extended, then loaded
/// from bytes), which is how calibration and comparison read activations.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    readonly InferenceSession _session;
    readonly SessionOptions _options;
    readonly RunOptions _runOptions = new();
    string? _tempFolder;

    /// <summary>The model's inputs as declared, and how batches bind to them.</summary>
    public ModelInputs Inputs { get; }
    public IReadOnlyList<string> OutputNames { get; }

    public ModelRunner(Model model, RuntimeOptions? options = null, IReadOnlyCollection<string>? extraOutputs = null)
    {
        options ??= new RuntimeOptions();
        Inputs = ModelInputs.Of(model);

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
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, // failures come back as exceptions (one line from the CLI); ORT's own log would print a second
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

    /// <summary>Samples per run for <paramref name="data"/> (see <see cref="ModelInputs.BatchSize"/>); checks the data fits the model.</summary>
    public int BatchSize(int requested, IDataset data) => Inputs.BatchSize(requested, data);

    /// <summary>
    /// Samples per run such that one run's float outputs stay within <paramref name="budgetBytes"/>
    /// (measured on the first sample): how calibration and comparison, which expose every
    /// activation, keep memory flat on models with large activations whatever the batch asked for.
    /// </summary>
    public int BatchSizeWithin(int requested, IDataset data, long budgetBytes)
    {
        int size = BatchSize(requested, data);
        if (size == 1 || Inputs.FixedBatch is not null) return size;
        long perSample = 0;
        Run(data.Batches(1).First(), (_, _, values) => perSample += values.Length * (long)sizeof(float));
        return (int)Math.Clamp(budgetBytes / Math.Max(1, perSample), 1, size);
    }

    /// <summary>Runs one batch and returns every float output (non-float outputs are skipped).</summary>
    public List<OutputTensor> Run(Batch batch)
    {
        var result = new List<OutputTensor>(OutputNames.Count);
        Run(batch, (name, outShape, values) => result.Add(new OutputTensor(name, outShape, values.ToArray())));
        return result;
    }

    /// <summary>Runs a single-input model on one float batch (shape [N, ...]).</summary>
    public List<OutputTensor> Run(float[] data, long[] shape) => Run(Batch.Of(data, shape));

    public void Run(float[] data, long[] shape, OutputSink sink) => Run(Batch.Of(data, shape), sink);

    public void RunParallel(float[] data, long[] shape, ParallelOutputSink sink) => RunParallel(Batch.Of(data, shape), sink);

    /// <summary>
    /// Runs one batch and hands each float output to <paramref name="sink"/> without copying;
    /// the span is valid only during the call.
    /// </summary>
    public void Run(Batch batch, OutputSink sink) => Run(batch, [], sink);

    /// <summary>
    /// Runs one batch with <paramref name="overrides"/> fed beside it: values for initializers the
    /// model also declares as graph inputs (ONNX Runtime lets such initializers be replaced per run),
    /// so one session serves many variants of a model that differ only in those tensors.
    /// </summary>
    public void Run(Batch batch, IReadOnlyList<(string Name, OrtValue Value)> overrides, OutputSink sink)
    {
        using var outputs = RunSession(batch, overrides);
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
    public void RunParallel(Batch batch, ParallelOutputSink sink)
    {
        using var outputs = RunSession(batch);
        Parallel.For(0, outputs.Count, i =>
        {
            var v = outputs[i];
            if (v.IsTensor && v.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float)
                sink(OutputNames[i], v.GetTensorDataAsSpan<float>());
        });
    }

    IDisposableReadOnlyCollection<OrtValue> RunSession(Batch batch, IReadOnlyList<(string Name, OrtValue Value)>? overrides = null)
    {
        var inputs = Inputs.Bind(batch);
        try
        {
            if (overrides is { Count: > 0 })
                return _session.Run(_runOptions, [.. Inputs.Names, .. overrides.Select(o => o.Name)], [.. inputs, .. overrides.Select(o => o.Value)], OutputNames);
            return _session.Run(_runOptions, Inputs.Names, inputs, OutputNames);
        }
        catch (OnnxRuntimeException e)
        {
            string shapes = string.Join(", ", batch.Inputs.Select(t => $"{t.Name ?? "input"} [{string.Join(",", t.Shape)}]"));
            throw QuantaException.BadInput($"ONNX Runtime failed on {shapes}: {OneLine(e.Message)}");
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
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
