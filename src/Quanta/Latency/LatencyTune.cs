using Quanta.Analysis;
using Quanta.Data;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Latency;

/// <summary>What `tune --objective latency` chose: the placement, the model written, and its score when placement changed it.</summary>
public sealed record TunedPlacement(PlacementResult Placement, double? PlacedScore, bool PlacedMet)
{
    /// <summary>The placed model when it keeps the target, else the tuned one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public QuantizeResult Chosen { get; init; } = null!;
}

/// <summary>
/// `tune --objective latency|accuracy`: the fastest model within the accuracy target. The tuned model
/// (the smallest that meets the target) is placed for speed; placement only turns regions float, so
/// it rarely costs accuracy, but the placed model is scored on the data again and written only when it
/// still meets the target.
/// </summary>
public static class LatencyTune
{
    public static TunedPlacement? Apply(Model input, TuneResult tuned, IDataset data, TuneOptions options, PlacementOptions placement,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        if (placement.Objective == Objective.Size || !tuned.Met) return null;
        var p = LatencyPlacement.Apply(input, tuned.Best, placement, progress)!;
        if (ReferenceEquals(p.Result, tuned.Best)) return new TunedPlacement(p, null, true) { Chosen = tuned.Best };
        var reference = ReferenceRun.Of(input, data, options.Scoring with { Metric = tuned.Metric }, runtime, progress);
        double score = reference.Score(p.Result.Model, progress, "scoring the placed model").Points(tuned.Metric);
        bool met = score >= options.Target(reference.ReferencePoints);
        return new TunedPlacement(p, score, met) { Chosen = met ? p.Result : tuned.Best };
    }
}
