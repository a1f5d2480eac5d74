using Quanta.Quantization;

namespace Quanta.Latency;

/// <summary>
/// One region's timing and decision. <see cref="Speedup"/>: how much faster the model ran with the
/// region in int8 than with it in float (median of per-round ratios); the per-round medians are kept
/// so the decision can be checked, and replayed, from the numbers alone.
/// </summary>
public sealed record RegionDecision(
    string Region,
    int Nodes,
    int WeightedNodes,
    string OpTypes,
    string First,
    string Last,
    double Speedup,
    bool KeptInt8,
    double[] Int8Ms,
    double[] FloatMs);

/// <summary>
/// What latency placement measured and chose. <see cref="Speedup"/> is the written model over the
/// float one, <see cref="Int8Speedup"/> the all-int8 plan over float, both at <see cref="Batch"/> on
/// <see cref="Threads"/> threads; <see cref="Regions"/> is empty when no search ran.
/// </summary>
public sealed record PlacementResult(
    [property: System.Text.Json.Serialization.JsonIgnore] Objective Objective,
    int Batch,
    int Threads,
    int Rounds,
    double Margin,
    double FloatMs,
    double QuantizedMs,
    double Speedup,
    double Int8Speedup,
    bool Searched,
    List<RegionDecision> Regions,
    double Seconds)
{
    /// <summary>The model written: the quantized result with the regions that lost in float.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public QuantizeResult Result { get; init; } = null!;

    /// <summary>
    /// True when the regions that lost in int8, all float together, ran slower than the all-int8 plan:
    /// the all-int8 plan was preferred (and written, unless it too was slower than float).
    /// </summary>
    public bool Reverted { get; init; }

    /// <summary>Regions the per-region rule kept int8 that <see cref="NeverSlowerGuard"/> gave up so the model is not slower than float.</summary>
    public List<string> GivenUp { get; init; } = [];

    /// <summary>
    /// The plan each region was timed in: "int8" (the region float, the rest int8: the all-int8 model beat float)
    /// or "float" (regions from this one on int8, those before float: it did not; see <see cref="PlacementRule.DecideSuffix"/>).
    /// </summary>
    public string RegionsIn { get; init; } = "int8";

    /// <summary>True when no int8 region survived the guard: the model was written float everywhere.</summary>
    public bool AllFloat { get; init; }

    /// <summary>The placed model's speed-up over float before the guard gave regions up (null when the guard did nothing).</summary>
    public double? PlacedSpeedup { get; init; }

    /// <summary>The objective's name as the command line spells it.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("objective")]
    public string ObjectiveName => Objective.Name();

    /// <summary>True when the written model ran slower than the float one.</summary>
    public bool Slower => Speedup < 1.0;

    /// <summary>Metadata key of <see cref="Describe"/> in the written model.</summary>
    public const string MetadataKey = "quanta.placement";

    /// <summary>One line for the model's metadata.</summary>
    public string Describe() =>
        $"objective {Objective.Name()}, batch {Batch}, {Threads} threads, {Rounds} rounds: {Speedup:0.00}× float (all-int8 {Int8Speedup:0.00}×)" +
        (Reverted ? "; placed regions together were slower than all-int8" : "") +
        (AllFloat ? $"; no int8 region made it faster than float (placed {PlacedSpeedup:0.00}×): written float everywhere" : "") +
        (GivenUp.Count > 0 && !AllFloat ? $"; placed {PlacedSpeedup:0.00}×, so {string.Join(", ", GivenUp)} went float" : "") +
        (Searched ? $"; regions timed in the {RegionsIn} plan: " + string.Join(", ", Regions.Select(r => $"{r.Region} {(r.KeptInt8 ? "int8" : "float")} {r.Speedup:0.00}×")) : "");
}
