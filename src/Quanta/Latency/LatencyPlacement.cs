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
    public static PlacementResult? Apply(Model floatModel, QuantizeResult quantized, PlacementOptions options, IProgress<WorkProgress>? progress = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        if (options.Objective == Objective.Size) return null;
        var rewrite = quantized.Rewrite ?? throw new InvalidOperationException("latency placement needs a result of static quantization");
        var clock = Stopwatch.StartNew();
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        int batch;
        using (var runner = new ModelRunner(floatModel, new RuntimeOptions(options.Threads))) batch = BenchInputs.EffectiveBatch(runner.Inputs, options.Batch);

        var whole = LatencyProbe.Measure([floatModel, quantized.Model], options, "timing int8 vs float", progress);
        double int8Speedup = PlacementRule.Speedup(whole[0], whole[1]);
        if (options.Objective == Objective.Auto && !PlacementRule.NeedsSearch(int8Speedup))
            return Stamp(new PlacementResult(options.Objective, batch, threads, options.Rounds, options.Margin,
                BenchmarkComparison.Median(whole[0]), BenchmarkComparison.Median(whole[1]), int8Speedup, int8Speedup, false, [], clock.Elapsed.TotalSeconds)
                { Result = quantized });

        var regions = RegionFinder.Find(quantized.Plan, options.MaxRegions);
        var variants = regions.Select(r => rewrite(WithFloat(quantized.Recipe, [r], _ => "timing variant"), false).Model).ToList();
        var timed = LatencyProbe.Measure([quantized.Model, .. variants], options, $"timing {regions.Count} regions float vs int8", progress);
        var decisions = regions.Select((r, i) => PlacementRule.Decide(r, timed[0], timed[i + 1], options.Margin)).ToList();

        var lost = regions.Where((_, i) => !decisions[i].KeptInt8).ToList();
        var result = quantized;
        if (lost.Count > 0)
        {
            var speedups = decisions.ToDictionary(d => d.Region, d => d.Speedup);
            result = rewrite(WithFloat(quantized.Recipe, lost,
                r => $"faster in float here ({r.Name}: int8 {speedups[r.Name]:0.00}×, below {options.Margin:0.00}×; --objective {options.Objective.Name()})"), true)
                with { TotalSeconds = quantized.TotalSeconds + clock.Elapsed.TotalSeconds };
            // Metadata written after the first Write (auto calibration's choice) carries over.
            foreach (var p in quantized.Model.Proto.MetadataProps)
                if (result.Model.Metadata(p.Key) is null) result.Model.SetMetadata(p.Key, p.Value);
        }
        if (lost.Count == 0)
            return Stamp(new PlacementResult(options.Objective, batch, threads, options.Rounds, options.Margin,
                BenchmarkComparison.Median(whole[0]), BenchmarkComparison.Median(whole[1]), int8Speedup, int8Speedup, true, decisions, clock.Elapsed.TotalSeconds)
                { Result = quantized });
        // Regions were timed one at a time; together they may interact. The placed model must beat the all-int8 plan it came from.
        var final = LatencyProbe.Measure([floatModel, quantized.Model, result.Model], options, "timing the placed model vs float", progress);
        bool keep = PlacementRule.KeepPlaced(final[1], final[2]);
        int written = keep ? 2 : 1;
        return Stamp(new PlacementResult(options.Objective, batch, threads, options.Rounds, options.Margin,
            BenchmarkComparison.Median(final[0]), BenchmarkComparison.Median(final[written]), PlacementRule.Speedup(final[0], final[written]),
            PlacementRule.Speedup(final[0], final[1]), true, decisions, clock.Elapsed.TotalSeconds) { Result = keep ? result : quantized, Reverted = !keep });
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
