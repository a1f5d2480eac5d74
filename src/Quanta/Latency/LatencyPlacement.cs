using System.Diagnostics;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Latency;

/// <summary>
/// Latency-aware placement, a plan transform driven by measurements on this machine: the calibrated
/// plan is cut into regions (<see cref="RegionFinder"/>); each region is timed in int8 and in float
/// (the rest of the model as planned) in interleaved rounds at the batch and thread count asked; a
/// region stays int8 only where it is at least the margin faster (<see cref="PlacementRule"/>).
/// The written model is then timed against the float one, so the summary states the speed-up it
/// actually has. Variants reuse the calibration (<see cref="QuantizeResult.Rewrite"/>); timing
/// variants skip accuracy recovery, which changes weights but not speed.
/// </summary>
public static class LatencyPlacement
{
    /// <summary>Rounds of the default objective's one whole-model check.</summary>
    public const int AutoRounds = 5;

    public static PlacementResult? Apply(Model floatModel, QuantizeResult quantized, PlacementOptions options, IProgress<WorkProgress>? progress = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        if (options.Objective == Objective.Size) return null;
        var rewrite = quantized.Rewrite ?? throw new InvalidOperationException("latency placement needs a result of static quantization");
        var clock = Stopwatch.StartNew();
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        int batch = BenchInputs.EffectiveBatch(ModelInputs.Of(floatModel), options.Batch);

        if (options.Objective == Objective.Auto)
        {
            // The default pays for this on every quantize: fewer, shorter rounds (a search, when needed, has its full count).
            var check = LatencyProbe.Measure([floatModel, quantized.Model], options with { Rounds = Math.Min(options.Rounds, AutoRounds), RoundMs = Math.Min(options.RoundMs, 20) },
                "timing int8 vs float", progress);
            double speedup = PlacementRule.Speedup(check[0], check[1]);
            if (!PlacementRule.NeedsSearch(speedup))
                return Stamp(new PlacementResult(options.Objective, batch, threads, check[0].Length, options.Margin,
                    BenchmarkComparison.Median(check[0]), BenchmarkComparison.Median(check[1]), speedup, speedup, false, [], clock.Elapsed.TotalSeconds)
                { Result = quantized });
        }

        var regions = RegionFinder.Find(quantized.Plan, options.MaxRegions);
        var variants = regions.Select(r => rewrite(WithFloat(quantized.Recipe, [r], _ => "timing variant"), false).Model).ToList();
        // The float model runs in the same rounds, so the all-int8 figure reported comes from the same conditions as the regions'.
        var timed = LatencyProbe.Measure([floatModel, quantized.Model, .. variants], options, $"timing {regions.Count} regions float vs int8", progress);
        var decisions = regions.Select((r, i) => PlacementRule.Decide(r, timed[1], timed[i + 2], options.Margin)).ToList();
        double int8Speedup = PlacementRule.Speedup(timed[0], timed[1]);

        var lost = regions.Where((_, i) => !decisions[i].KeptInt8).ToList();
        if (lost.Count == 0)
            return Stamp(new PlacementResult(options.Objective, batch, threads, options.Rounds, options.Margin,
                BenchmarkComparison.Median(timed[0]), BenchmarkComparison.Median(timed[1]), int8Speedup, int8Speedup, true, decisions, clock.Elapsed.TotalSeconds)
            { Result = quantized });

        var speedups = decisions.ToDictionary(d => d.Region, d => d.Speedup);
        var result = rewrite(WithFloat(quantized.Recipe, lost,
            r => $"faster in float here ({r.Name}: int8 {speedups[r.Name]:0.00}×, below {options.Margin:0.00}×; objective {options.Objective.Name()})"), true)
            with
        { TotalSeconds = quantized.TotalSeconds + clock.Elapsed.TotalSeconds, Auto = quantized.Auto };
        // What was decided after the first Write (auto calibration's choice and its metadata) carries over.
        foreach (var p in quantized.Model.Proto.MetadataProps)
            if (result.Model.Metadata(p.Key) is null) result.Model.SetMetadata(p.Key, p.Value);
        // Regions were timed one at a time; together they may interact. The placed model must beat the all-int8 plan it came from.
        var final = LatencyProbe.Measure([floatModel, quantized.Model, result.Model], options, "timing the placed model vs float", progress);
        bool keep = PlacementRule.KeepPlaced(final[1], final[2]);
        int written = keep ? 2 : 1;
        return Stamp(new PlacementResult(options.Objective, batch, threads, options.Rounds, options.Margin,
            BenchmarkComparison.Median(final[0]), BenchmarkComparison.Median(final[written]), PlacementRule.Speedup(final[0], final[written]),
            PlacementRule.Speedup(final[0], final[1]), true, decisions, clock.Elapsed.TotalSeconds)
        { Result = keep ? result : quantized, Reverted = !keep });
    }

    static PlacementResult Stamp(PlacementResult placement)
    {
        placement.Result.Model.SetMetadata(PlacementResult.MetadataKey, placement.Describe());
        return placement;
    }

    /// <summary>The recipe with every node of <paramref name="regions"/> kept float, each with its reason.</summary>
    static ResolvedRecipe WithFloat(ResolvedRecipe recipe, IEnumerable<Region> regions, Func<Region, string> reason)
    {
        var forced = new Dictionary<string, string>(recipe.ForcedFloat);
        foreach (var r in regions)
            foreach (var n in r.Nodes) forced[n.Output[0]] = reason(r);
        return recipe with { ForcedFloat = forced };
    }
}
