using Quanta.Onnx;

namespace Quanta.IR;

/// <summary>
/// One dimension of an inferred shape: a static size (<see cref="Value"/> ≥ 0), a symbolic
/// size named by <see cref="Param"/> (e.g. the batch "N"), or unknown (Value −1, no param).
/// </summary>
internal readonly record struct Dim(long Value, string? Param = null)
{
    public static Dim Unknown => new(-1);
    public static Dim Of(long value) => new(value);
    public static Dim Symbol(string param) => new(-1, param);

    public bool IsStatic => Value >= 0;
    public bool IsSymbolic => Value < 0 && Param is not null;

    public override string ToString() => IsStatic ? Value.ToString() : Param ?? "?";
}

/// <summary>
/// The inferred element type and shape of a tensor. <see cref="Shape"/> is null when even
/// the rank is unknown; <see cref="ElemType"/> is 0 when the type is unknown.
/// </summary>
internal sealed record TensorTypeInfo(int ElemType, Dim[]? Shape)
{
    public int Rank => Shape?.Length ?? -1;

    /// <summary>The dims with −1 for symbolic or unknown ones; null when the rank is unknown.</summary>
    public long[]? Dims
    {
        get
        {
            if (Shape is null) return null;
            var dims = new long[Shape.Length];
            for (int i = 0; i < dims.Length; i++) dims[i] = Shape[i].Value;
            return dims;
        }
    }

    public bool IsFullyStatic
    {
        get
        {
            if (Shape is null) return false;
            foreach (var d in Shape) if (!d.IsStatic) return false;
            return true;
        }
    }

    /// <summary>Element count when every dim is static, else −1.</summary>
    public long ElementCount
    {
        get
        {
            if (!IsFullyStatic) return -1;
            long n = 1;
            foreach (var d in Shape!) n *= d.Value;
            return n;
        }
    }

    public override string ToString() =>
        $"{DataTypes.Name(ElemType)}[{(Shape is null ? "?" : string.Join(",", Shape))}]";
}
