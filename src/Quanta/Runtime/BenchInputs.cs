using Microsoft.ML.OnnxRuntime;
using Quanta.Onnx;

namespace Quanta.Runtime;

/// <summary>
/// Synthetic inputs for a benchmark, of the types and shapes the model declares: the batch axis
/// at the size asked for (or the model's fixed batch), symbolic dimensions from
/// <c>--shape name=1x64</c>. Floats are uniform in [-1, 1); integers are 1 and booleans true, which
/// every embedding table, mask and type-id input accepts. A decoder's attention mask, positions and
/// key/value cache follow the token ids' shape (<see cref="ModelInputs.TokenInput"/>), the cache empty (a prompt step).
/// </summary>
internal static class BenchInputs
{
    /// <summary>Runs per input at <paramref name="batch"/>: the fixed batch where the model has one.</summary>
    public static int EffectiveBatch(ModelInputs inputs, int batch)
    {
        foreach (var input in inputs.All)
            if (input.Dims is { Length: > 0 } dims && dims[0] > 0) return (int)dims[0];
        return batch;
    }

    /// <param name="tokens">The token ids' shape, when the model is a decoder whose mask and cache inputs are filled as for a first step (<see cref="FirstStepInputs"/>).</param>
    public static long[] Shape(ModelInput input, int batch, IReadOnlyDictionary<string, long[]> shapes, long[]? tokens = null)
    {
        if (!shapes.ContainsKey(input.Name) && tokens is not null && FirstStepInputs.Shape(input, tokens) is { } firstStep) return firstStep;
        if (shapes.TryGetValue(input.Name, out var given))
        {
            if (input.Dims is { } declared && declared.Length != given.Length)
                throw QuantaException.BadInput($"Shape {input.Name}: the input has rank {declared.Length} {input.ShapeText}, the shape given has {given.Length}");
            for (int i = 0; input.Dims is not null && i < given.Length; i++)
                if (input.Dims[i] > 0 && input.Dims[i] != given[i])
                    throw QuantaException.BadInput($"Shape {input.Name}: dimension {i} is fixed at {input.Dims[i]}, the shape given has {given[i]}");
            return given;
        }
        if (input.Dims is null)
            throw QuantaException.BadInput($"input '{input.Name}' has no declared shape; give one, e.g. {input.Name}=1x...");
        var shape = (long[])input.Dims.Clone();
        if (shape.Length > 0 && shape[0] < 0) shape[0] = batch;
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] < 0)
                throw QuantaException.BadInput($"input '{input.Name}' {input.ShapeText} has a symbolic dimension {i}; give its shape, e.g. {input.Name}={string.Join("x", shape.Select(d => d < 0 ? "N" : d.ToString()))}");
        return shape;
    }

    /// <summary>One OrtValue per model input, in declaration order; the caller disposes them.</summary>
    public static OrtValue[] Create(ModelInputs inputs, int batch, IReadOnlyDictionary<string, long[]> shapes, int seed)
    {
        var random = new Random(seed);
        var values = new List<OrtValue>();
        try
        {
            // A decoder's mask and cache follow its token ids' shape (an empty cache: a prompt step), unless --shape gives them.
            var tokens = inputs.TokenInput is { } ids ? Shape(ids, batch, shapes) : null;
            foreach (var input in inputs.All)
            {
                var shape = Shape(input, batch, shapes, tokens);
                long n = 1;
                foreach (var d in shape) n *= d;
                values.Add(input.ElementType switch
                {
                    DataTypes.Float => OrtValue.CreateTensorValueFromMemory(Floats(n, random), shape),
                    DataTypes.Double => OrtValue.CreateTensorValueFromMemory(Floats(n, random).Select(v => (double)v).ToArray(), shape),
                    DataTypes.Float16 => OrtValue.CreateTensorValueFromMemory(Floats(n, random).Select(v => (Float16)v).ToArray(), shape),
                    DataTypes.Int64 => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, (int)n).ToArray(), shape),
                    DataTypes.Int32 => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1, (int)n).ToArray(), shape),
                    DataTypes.Bool => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(true, (int)n).ToArray(), shape),
                    _ => throw QuantaException.BadInput($"input '{input.Name}' takes {DataTypes.Name(input.ElementType)} values; the benchmark cannot make those"),
                });
            }
            return values.ToArray();
        }
        catch
        {
            foreach (var v in values) v.Dispose();
            throw;
        }
    }

    static float[] Floats(long n, Random random)
    {
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }
}
