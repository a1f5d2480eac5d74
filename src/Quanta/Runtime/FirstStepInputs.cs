using Quanta.Data;
using Quanta.Onnx;

namespace Quanta.Runtime;

/// <summary>
/// The inputs a decoder exported for generation takes beside its token ids — <c>attention_mask</c>,
/// <c>position_ids</c> and the key/value cache of earlier steps (<c>past_key_values.0.key</c>,
/// <c>past_key_values.0.value</c>, …, as ONNX Runtime GenAI's builder and Optimum name them) — filled as
/// for the first step of generation when the data gives token ids only: every token attended (a mask
/// of ones), positions 0 … seq−1, and an empty cache (its past-length axis 0). So a text file
/// calibrates, and perplexity evaluates, such a model as exported, with no cache arrays in the data.
/// </summary>
public static class FirstStepInputs
{
    /// <summary>Whether <paramref name="input"/> is one this class fills when the data has no array for it.</summary>
    public static bool CanFill(ModelInput input) => Kind(input) is not null;

    /// <summary>
    /// The first step's value of <paramref name="input"/> for the token ids <paramref name="tokens"/>
    /// ([samples, seq]); null when it is not an input this class fills.
    /// </summary>
    public static BatchTensor? Fill(ModelInput input, BatchTensor tokens)
    {
        if (Shape(input, tokens.Shape) is not { } shape) return null;
        long n = shape[0], seq = tokens.Shape[1];
        switch (Kind(input))
        {
            case InputKind.Mask:
                return new BatchTensor(input.Name, Enumerable.Repeat(1L, checked((int)(n * seq))).ToArray(), shape);
            case InputKind.Positions:
                var positions = new long[n * seq];
                for (long i = 0; i < positions.Length; i++) positions[i] = i % seq;
                return new BatchTensor(input.Name, positions, shape);
            default:
                return new BatchTensor(input.Name, Array.Empty<float>(), shape);
        }
    }

    /// <summary>The first step's shape of <paramref name="input"/> for token ids of shape <paramref name="tokens"/> ([samples, seq]); null when it is not one this class fills.</summary>
    public static long[]? Shape(ModelInput input, long[] tokens)
    {
        if (tokens.Length != 2 || Kind(input) is not { } kind) return null;
        if (kind != InputKind.Cache) return [tokens[0], tokens[1]];
        var shape = (long[])input.Dims!.Clone();
        if (shape[0] < 0) shape[0] = tokens[0];
        for (int d = 1; d < shape.Length; d++)
            if (shape[d] < 0) shape[d] = 0; // the one symbolic axis after the batch is the past length
        return shape;
    }

    enum InputKind { Mask, Positions, Cache }

    static InputKind? Kind(ModelInput input)
    {
        if (input.Dims is not { } dims) return null;
        bool integer = input.ElementType is DataTypes.Int64 or DataTypes.Int32;
        if (input.Name == "attention_mask" && integer && dims.Length == 2) return InputKind.Mask;
        if (input.Name == "position_ids" && integer && dims.Length == 2) return InputKind.Positions;
        // A cache: float, and after the batch axis exactly one symbolic axis (the past length; heads and head size are fixed).
        bool floating = input.ElementType is DataTypes.Float or DataTypes.Float16;
        if (input.Name.Contains("past", StringComparison.OrdinalIgnoreCase) && floating && dims.Length >= 3 && dims.Skip(1).Count(d => d < 0) == 1)
            return InputKind.Cache;
        return null;
    }
}
