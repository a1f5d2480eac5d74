namespace Quanta.IR;

/// <summary>
/// An element of a tracked integer tensor: a number (any sign: −1 and 0 mean something in a
/// Reshape shape), a symbolic size such as the batch "N", or unknown.
/// </summary>
internal readonly record struct SymInt(long Number, string? Param, bool IsNumber)
{
    public static SymInt Num(long v) => new(v, null, true);
    public static SymInt Sym(string p) => new(0, p, false);
    public static SymInt Unknown => default;

    public bool IsKnown => IsNumber || Param is not null;

    public Dim ToDim() => IsNumber ? (Number >= 0 ? Dim.Of(Number) : Dim.Unknown) : Param is not null ? Dim.Symbol(Param) : Dim.Unknown;

    public static SymInt FromDim(Dim d) => d.IsStatic ? Num(d.Value) : d.Param is not null ? Sym(d.Param) : Unknown;
}
