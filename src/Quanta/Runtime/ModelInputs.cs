using Microsoft.ML.OnnxRuntime;
using Quanta.Data;
using Quanta.IR;
using Quanta.Onnx;

namespace Quanta.Runtime;

/// <summary>One input as the model declares it: element type and dimensions (-1 where symbolic; null when the rank is unknown).</summary>
public sealed record ModelInput(string Name, int ElementType, long[]? Dims)
{
    public string ShapeText => Dims is null ? "[?]" : $"[{string.Join(",", Dims.Select(d => d < 0 ? "?" : d.ToString()))}]";
}

/// <summary>
/// The model's inputs, and the one place that turns a <see cref="Batch"/> into what ONNX Runtime
/// is fed: each data tensor bound to the input it names (an unnamed tensor to the only input),
/// converted to the declared element type, its shape checked against the fixed dimensions. The
/// batch size follows the model: a fixed first dimension N means N samples per run; an input
/// whose rank is one less than the data's takes one sample per run without a batch axis.
/// </summary>
public sealed class ModelInputs
{
    readonly string _source;
    public IReadOnlyList<ModelInput> All { get; }

    ModelInputs(string source, List<ModelInput> all)
    {
        _source = source;
        All = all;
        Names = all.Select(i => i.Name).ToArray();
    }

    public static ModelInputs Of(Model model)
    {
        var inputs = model.Graph.RealInputs.Select(i =>
        {
            var tt = i.Type?.TensorType;
            if (tt is null) throw QuantaException.BadInput($"{model.Source}: input '{i.Name}' is not a tensor");
            long[]? dims = tt.Shape is null ? null : tt.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue : -1L).ToArray();
            return new ModelInput(i.Name, tt.ElemType, dims);
        }).ToList();
        if (inputs.Count == 0) throw QuantaException.BadInput($"{model.Source}: the model has no inputs to feed");
        return new ModelInputs(model.Source, inputs);
    }

    /// <summary>
    /// Samples per run for <paramref name="data"/>: the fixed batch dimension when an input has
    /// one, 1 when an input has no batch axis (its rank equals the samples'), else
    /// <paramref name="requested"/>. The first sample is bound on the way, so data that does not
    /// fit the model fails here, before any work starts.
    /// </summary>
    public int BatchSize(int requested, IDataset data)
    {
        if (requested <= 0) throw QuantaException.BadInput($"batch size must be positive, got {requested}");
        var first = Complete(data.Batches(FixedBatch ?? 1).FirstOrDefault()
            ?? throw QuantaException.BadInput($"{data.Description}: no samples"));
        foreach (var v in Bind(first)) v.Dispose();
        int size = requested;
        foreach (var input in All)
        {
            if (input.Dims is not { Length: > 0 } dims) continue;
            if (dims.Length == TensorFor(input, first).Shape.Length - 1) return 1;
            if (dims[0] > 0) size = (int)Math.Min(size, dims[0]);
        }
        return size;
    }

    /// <summary>The batch every run must have, when an input declares a fixed first dimension.</summary>
    public int? FixedBatch => All.Select(i => i.Dims is { Length: > 0 } d && d[0] > 0 ? (int?)d[0] : null).FirstOrDefault(b => b is not null);

    /// <summary>The inputs' names, in declaration order, for <c>InferenceSession.Run</c>.</summary>
    public string[] Names { get; }

    /// <summary>
    /// <paramref name="batch"/> with an array for every input it can feed: an unnamed array named after the input
    /// it feeds, and the inputs of a decoder's generation step that the data leaves out filled as for the
    /// first step (<see cref="FirstStepInputs"/>). Arrays the data gives are never replaced.
    /// </summary>
    public Batch Complete(Batch batch)
    {
        var inputs = batch.Inputs.ToList();
        int unnamed = inputs.FindIndex(t => t.Name is null);
        if (unnamed >= 0 && UnnamedTarget() is { } target) inputs[unnamed] = inputs[unnamed] with { Name = target.Name };
        var tokens = TokenInput is { } ids ? inputs.Find(t => t.Name == ids.Name) : null;
        if (tokens is null) return unnamed >= 0 ? new Batch { Inputs = inputs, Labels = batch.Labels } : batch;
        foreach (var input in All)
            if (!inputs.Exists(t => t.Name == input.Name) && FirstStepInputs.Fill(input, tokens) is { } filled) inputs.Add(filled);
        return new Batch { Inputs = inputs, Labels = batch.Labels };
    }

    /// <summary>
    /// The input that takes a language model's token ids, whose shape the first-step inputs follow (<see cref="FirstStepInputs"/>):
    /// <c>input_ids</c>, else the input an unnamed data array feeds.
    /// </summary>
    public ModelInput? TokenInput => All.FirstOrDefault(i => i.Name == "input_ids") ?? UnnamedTarget();

    /// <summary>The input an unnamed data array feeds: the only input, or the only one the data must give (the rest filled for a first step).</summary>
    ModelInput? UnnamedTarget()
    {
        if (All.Count == 1) return All[0];
        var needed = All.Where(i => !FirstStepInputs.CanFill(i)).ToList();
        return needed.Count == 1 ? needed[0] : null;
    }

    /// <summary>
    /// OrtValues for every model input from <paramref name="batch"/> (see <see cref="Complete"/>), in <see cref="Names"/> order;
    /// the caller disposes them. Data that does not fit fails with one line naming the input.
    /// </summary>
    public OrtValue[] Bind(Batch batch)
    {
        batch = Complete(batch);
        var unknown = batch.Inputs.Where(t => t.Name is not null && All.All(i => i.Name != t.Name)).Select(t => $"'{t.Name}'").ToList();
        if (unknown.Count > 0)
            throw QuantaException.BadInput($"{_source}: the data has {Plural(unknown.Count, "array")} {string.Join(", ", unknown)} that no model input is named after (inputs: {Describe()})");

        var values = new OrtValue[All.Count];
        try
        {
            for (int i = 0; i < All.Count; i++)
            {
                values[i] = Create(All[i], TensorFor(All[i], batch));
            }
            return values;
        }
        catch
        {
            foreach (var v in values) v?.Dispose();
            throw;
        }
    }

    /// <summary>The data tensor that feeds <paramref name="input"/>: the one named after it, or the unnamed one of a single-input model.</summary>
    BatchTensor TensorFor(ModelInput input, Batch batch)
    {
        BatchTensor? unnamed = null;
        foreach (var t in batch.Inputs)
        {
            if (t.Name == input.Name) return t;
            if (t.Name is null) unnamed = t;
        }
        if (unnamed is not null && All.Count == 1) return unnamed;
        throw QuantaException.BadInput(unnamed is not null
            ? $"{_source}: the model has {All.Count} inputs ({Describe()}); give an .npz whose keys are the input names"
            : $"{_source}: no data for input '{input.Name}' {input.ShapeText} (data arrays: {string.Join(", ", batch.Inputs.Select(t => t.Name))})");
    }

    string Describe() => string.Join(", ", All.Select(i => $"{i.Name} {DataTypes.Name(i.ElementType)} {i.ShapeText}"));

    static string Plural(int n, string word) => n == 1 ? word : word + "s";

    OrtValue Create(ModelInput input, BatchTensor tensor)
    {
        var shape = FeedShape(input, tensor);
        return input.ElementType switch
        {
            DataTypes.Float => OrtValue.CreateTensorValueFromMemory(Convert<float>(input, tensor), shape),
            DataTypes.Int64 => OrtValue.CreateTensorValueFromMemory(Convert<long>(input, tensor), shape),
            DataTypes.Int32 => OrtValue.CreateTensorValueFromMemory(Convert<int>(input, tensor), shape),
            DataTypes.Bool => OrtValue.CreateTensorValueFromMemory(Convert<bool>(input, tensor), shape),
            DataTypes.Double => OrtValue.CreateTensorValueFromMemory(Convert<float>(input, tensor).Select(v => (double)v).ToArray(), shape),
            DataTypes.Float16 => OrtValue.CreateTensorValueFromMemory(Convert<float>(input, tensor).Select(v => (Float16)v).ToArray(), shape),
            _ => throw QuantaException.BadInput($"{_source}: input '{input.Name}' takes {DataTypes.Name(input.ElementType)} values, which Quanta cannot feed yet"),
        };
    }

    /// <summary>The data's shape as the input takes it, checked against every fixed dimension.</summary>
    long[] FeedShape(ModelInput input, BatchTensor tensor)
    {
        var shape = tensor.Shape;
        if (input.Dims is not { } dims) return shape;
        if (dims.Length == shape.Length - 1)
        {
            // No batch axis in the model: one sample per run.
            if (shape[0] != 1)
                throw QuantaException.BadInput($"{_source}: input '{input.Name}' {input.ShapeText} has no batch axis; it takes one sample per run, got {shape[0]}");
            shape = shape[1..];
            for (int d = 0; d < dims.Length; d++) CheckDim(input, d, dims[d], shape[d]);
            return shape;
        }
        if (dims.Length != shape.Length)
            throw QuantaException.BadInput($"{_source}: input '{input.Name}' has rank {dims.Length} {input.ShapeText}; the data's samples have shape [{string.Join(",", shape[1..])}] (check the image size, the layout, or the array's shape)");
        if (dims[0] > 0 && dims[0] != shape[0])
            throw QuantaException.BadInput($"{_source}: input '{input.Name}' has a fixed batch of {dims[0]}; a run got {shape[0]} samples (use a sample count that is a multiple of {dims[0]})");
        for (int d = 1; d < dims.Length; d++) CheckDim(input, d, dims[d], shape[d]);
        return shape;
    }

    void CheckDim(ModelInput input, int axis, long declared, long actual)
    {
        if (declared >= 0 && declared != actual)
            throw QuantaException.BadInput($"{_source}: input '{input.Name}' dimension {axis} is {declared} {input.ShapeText}; the data has {actual} (check the image size, the layout, or the array's shape)");
    }

    /// <summary>The tensor's values as <typeparamref name="T"/>: the same array when the types agree, else a converted copy.</summary>
    T[] Convert<T>(ModelInput input, BatchTensor tensor)
    {
        if (tensor.Values is T[] same) return same;
        string from = tensor.ElementType.ToString().ToLowerInvariant(), to = DataTypes.Name(input.ElementType);
        object converted = (tensor.Values, default(T)) switch
        {
            (long[] l, int) => l.Select(v => v is >= int.MinValue and <= int.MaxValue ? (int)v
                : throw QuantaException.BadInput($"{_source}: input '{input.Name}' takes int32; the data holds {v}")).ToArray(),
            (int[] i, long) => i.Select(v => (long)v).ToArray(),
            (bool[] b, long) => b.Select(v => v ? 1L : 0L).ToArray(),
            (bool[] b, int) => b.Select(v => v ? 1 : 0).ToArray(),
            (long[] l, bool) => l.Select(v => v != 0).ToArray(),
            (int[] i, bool) => i.Select(v => v != 0).ToArray(),
            (long[] l, float) => l.Select(v => (float)v).ToArray(),
            (int[] i, float) => i.Select(v => (float)v).ToArray(),
            _ => throw QuantaException.BadInput($"{_source}: input '{input.Name}' takes {to} values; the data holds {from}"),
        };
        return (T[])converted;
    }
}
