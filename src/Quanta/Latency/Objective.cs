namespace Quanta.Latency;

/// <summary>What static quantization optimises once the plan is calibrated (<c>--objective</c>).</summary>
public enum Objective
{
    /// <summary>Time the int8 model against the float one once; search regions only when int8 is not faster.</summary>
    Auto,
    /// <summary>Time every candidate region float vs int8; keep int8 where it is at least 2 % faster.</summary>
    Latency,
    /// <summary>Quantize everything that can be (the smallest file); no timing.</summary>
    Size,
    /// <summary>As latency, but keep int8 only where it is at least 10 % faster: float wherever int8 does not clearly pay.</summary>
    Accuracy,
}

public static class Objectives
{
    public static Objective Parse(string? text) => text is null ? Objective.Auto : OptionNames.Parse<Objective>(text, "Objective");

    public static string Name(this Objective objective) => OptionNames.Of(objective);
}
