namespace Quanta.Latency;

/// <summary>
/// How latency-aware placement times candidates: at <see cref="Batch"/> on <see cref="Threads"/>
/// intra-op threads (0 = all cores), in <see cref="Rounds"/> interleaved rounds of about
/// <see cref="RoundMs"/> milliseconds of runs per model, into at most <see cref="MaxRegions"/> regions
/// (0: as many as <see cref="RegionFinder.Budget(Quanta.Quantization.QuantPlan)"/> gives the model).
/// </summary>
public sealed record PlacementOptions(
    Objective Objective = Objective.Auto,
    int Batch = 1,
    int Threads = 1,
    int Rounds = 11,
    double RoundMs = 25,
    int MaxRegions = 0)
{
    /// <summary>Symbolic input dimensions other than the batch, by input name (as <c>bench --shape</c>).</summary>
    public IReadOnlyDictionary<string, long[]> Shapes { get; init; } = new Dictionary<string, long[]>();

    /// <summary>How much faster a region must run in int8 to stay int8 (ModelOpt's rule is 1.02).</summary>
    public double Margin => Objective == Objective.Accuracy ? 1.10 : 1.02;

    public List<string> Validate()
    {
        var problems = new List<string>();
        // Qualified: a command that places also has the data's own batch and threads.
        if (Batch < 1) problems.Add($"{nameof(PlacementOptions)}.{nameof(Batch)} must be at least 1, got {Batch}");
        if (Threads < 0) problems.Add($"{nameof(PlacementOptions)}.{nameof(Threads)} must be 0 (all cores) or more, got {Threads}");
        if (Rounds < 1) problems.Add($"{nameof(PlacementOptions)}.{nameof(Rounds)} must be at least 1, got {Rounds}");
        if (RoundMs <= 0) problems.Add("the time per round must be positive");
        if (MaxRegions < 0) problems.Add("the region count must be 0 (grow with the model) or more");
        return problems;
    }
}
