using System.Diagnostics;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Latency;

/// <summary>
/// Latency-aware placement, a plan transform driven by measurements on this machine: the calibrated
/// plan is cut into regions (<see cref="RegionFinder"/>, more for larger models), timed in interleaved
/// rounds at the batch and thread count asked (<see cref="PlacementRule"/>). When the all-int8 model
/// beats float, each region is timed float in it and stays int8 where that is at least the margin
/// faster; when it does not, int8 suffixes (regions k… int8, the rest float) are timed and the fastest
/// one at least the margin faster than float is kept. The placed model, and the chain of <see cref="NeverSlowerGuard"/>
/// (kept regions given up slowest first), are then timed against float in the same rounds, and the
/// first that is not slower than float is written; with none, the model is written float. Variants
/// reuse the calibration (<see cref="QuantizeResult.Rewrite"/>); timing variants skip accuracy
/// recovery, which changes weights but not speed.
/// </summary>
public static class LatencyPlacement
{
    /// <summary>Rounds of the default objective's one whole-model check.</summary>
    public const int AutoRounds = 5;

    /// <summary>
    /// Milliseconds of runs per block in that check: blocks are sized on the float model's measured time
    /// (<see cref="LatencyProbe.RunsPerBlock"/>), so a 0.2 ms model runs 50 times a block and a 5 ms one 5 times.
    /// </summary>
    public const double AutoRoundMs = 10;

    public static PlacementResult? Apply(Model floatModel, QuantizeResult quantized, PlacementOptions options, IProgress<WorkProgress>? progress = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        if (options.Objective == Objective.Size) return null;
        var rewrite = quantized.Rewrite ?? throw new InvalidOperationException("latency placement needs a result of static quantization");
        var clock = Stopwatch.StartNew();
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        int batch = BenchInputs.EffectiveBatch(ModelInputs.Of(floatModel), options.Batch);

        // The whole models first (the default stops here when int8 wins). The answer also says in which context regions are
        // judged: a region's cost in int8 includes the Q/DQ at its borders, which depend on its neighbours, so each region is
        // timed against the plan the model is heading for: one region float in the int8 model when int8 wins, one region int8
        // in the float model when it loses (then only regions that pay for their own borders stay int8).
        var quick = options with { Rounds = Math.Min(options.Rounds, AutoRounds), RoundMs = Math.Min(options.RoundMs, AutoRoundMs) };
        var check = LatencyProbe.Measure([floatModel, quantized.Model], quick, "timing int8 vs float", progress);
        double checkSpeedup = PlacementRule.Speedup(check[0], check[1]);
        bool int8Context = !PlacementRule.NeedsSearch(checkSpeedup);
        PlacementResult Timed(int rounds, double floatMs, double writtenMs, double speedup, double int8Speedup, bool searched, List<RegionDecision> decisions) =>
            new(options.Objective, batch, threads, rounds, options.Margin, floatMs, writtenMs, speedup, int8Speedup, searched, decisions, clock.Elapsed.TotalSeconds)
            { RegionsIn = int8Context ? "int8" : "float" };
        if (options.Objective == Objective.Auto && int8Context)
            return Stamp(Timed(check[0].Length, Median(check[0]), Median(check[1]), checkSpeedup, checkSpeedup, false, []) with { Result = quantized });

        var regions = RegionFinder.Find(quantized.Plan, options.MaxRegions > 0 ? options.MaxRegions : RegionFinder.Budget(quantized.Plan));
        // In the int8 plan: region r float, the rest int8. In the float plan: regions r… int8, those before float (a suffix):
        // int8 islands pay for their borders, so growing one island from the output end keeps one border, where the
        // network is deepest (many channels on small maps, where integer kernels pay).
        var variants = int8Context
            ? regions.Select(r => rewrite(WithFloat(quantized.Recipe, [r], _ => "timing variant"), false).Model).ToList()
            : regions.Skip(1).Select((_, k) => rewrite(WithFloat(quantized.Recipe, regions.Take(k + 1), _ => "timing variant"), false).Model).ToList();
        // The float model runs in the same rounds, so the all-int8 figure reported comes from the same conditions as the regions'.
        var timed = LatencyProbe.Measure([floatModel, quantized.Model, .. variants], options, $"timing {regions.Count} regions float vs int8", progress);
        var decisions = int8Context
            ? regions.Select((r, i) => PlacementRule.Decide(r, timed[1], timed[i + 2], options.Margin)).ToList()
            : PlacementRule.DecideSuffix(regions, timed[0], timed.Skip(1).ToList(), options.Margin);
        double int8Speedup = PlacementRule.Speedup(timed[0], timed[1]);
        var byName = regions.ToDictionary(r => r.Name);
        var lost = decisions.Where(d => !d.KeptInt8).Select(d => byName[d.Region]).ToList();
        if (lost.Count == 0 && int8Speedup >= NeverSlowerGuard.Floor)
            return Stamp(Timed(options.Rounds, Median(timed[0]), Median(timed[1]), int8Speedup, int8Speedup, true, decisions) with { Result = quantized });

        // Regions were timed one at a time; together they may interact. Time the placed model, and the guard's chain of
        // kept regions given up, against float and the all-int8 plan in the same rounds.
        var speedups = decisions.ToDictionary(d => d.Region, d => d.Speedup);
        string LostReason(Region r) => int8Context
            ? $"faster in float here ({r.Name}: int8 {speedups[r.Name]:0.00}×, below {options.Margin:0.00}×; objective {options.Objective.Name()})"
            : $"before the fastest int8 suffix ({r.Name}: int8 {speedups[r.Name]:0.00}× added to the suffix after it; objective {options.Objective.Name()})";
        var steps = NeverSlowerGuard.Steps(decisions);
        var chain = new List<List<Region>>();
        for (int s = 0; s < steps.Count - 1; s++) chain.Add(steps.Take(s + 1).SelectMany(x => x).Select(d => byName[d.Region]).ToList());
        var candidates = new List<Model> { floatModel, quantized.Model };
        if (lost.Count > 0) candidates.Add(rewrite(WithFloat(quantized.Recipe, lost, _ => "timing variant"), false).Model);
        candidates.AddRange(chain.Select(c => rewrite(WithFloat(quantized.Recipe, [.. lost, .. c], _ => "timing variant"), false).Model));
        var final = LatencyProbe.Measure(candidates, options, "timing the placed model vs float", progress);

        // Preference: the placed model (or the all-int8 plan when the placed one ran slower than it), then the chain in order.
        int placedAt = lost.Count > 0 ? 2 : 1;
        bool reverted = lost.Count > 0 && !PlacementRule.KeepPlaced(final[1], final[placedAt]);
        var order = new List<int> { reverted ? 1 : placedAt };
        order.AddRange(chain.Select((_, k) => placedAt + 1 + k));
        int choice = NeverSlowerGuard.Choose(final[0], order.Select(i => (IReadOnlyList<double>)final[i]).ToList());
        double firstSpeedup = PlacementRule.Speedup(final[0], final[order[0]]);
        double allInt8 = PlacementRule.Speedup(final[0], final[1]);

        if (choice == 0)
        {
            var written = reverted ? quantized : Written(quantized, rewrite, WithFloat(quantized.Recipe, lost, LostReason), clock);
            var placed = Timed(options.Rounds, Median(final[0]), Median(final[order[0]]), firstSpeedup, allInt8, true, decisions);
            return Stamp(placed with { Result = written, Reverted = reverted });
        }
        var givenUp = choice > 0 ? chain[choice - 1] : regions.Where(r => !lost.Contains(r)).ToList();
        string GuardReason(Region r) => $"given up so the model is not slower than float ({r.Name}: int8 {speedups[r.Name]:0.00}× alone, " +
            $"but the placed model ran {firstSpeedup:0.00}× float; objective size keeps int8)";
        var recipe = WithFloat(WithFloat(quantized.Recipe, lost, LostReason), givenUp, GuardReason);
        var result = Written(quantized, rewrite, recipe, clock);
        var placement = choice > 0
            ? Timed(options.Rounds, Median(final[0]), Median(final[order[choice]]), PlacementRule.Speedup(final[0], final[order[choice]]), allInt8, true, decisions)
            // Float everywhere: as fast as float by construction (the same graph, no Q/DQ).
            : Timed(options.Rounds, Median(final[0]), Median(final[0]), 1.0, allInt8, true, decisions);
        return Stamp(placement with { Result = result, Reverted = reverted, GivenUp = givenUp.Select(r => r.Name).ToList(), AllFloat = choice < 0, PlacedSpeedup = firstSpeedup });
    }

    static double Median(double[] values) => BenchmarkComparison.Median(values);

    /// <summary>The model written under <paramref name="recipe"/>, with accuracy recovery, carrying what the first write decided.</summary>
    static QuantizeResult Written(QuantizeResult quantized, Func<ResolvedRecipe, bool, QuantizeResult> rewrite, ResolvedRecipe recipe, Stopwatch clock)
    {
        var result = rewrite(recipe, true) with { TotalSeconds = quantized.TotalSeconds + clock.Elapsed.TotalSeconds, Auto = quantized.Auto };
        // What was decided after the first Write (auto calibration's choice and its metadata) carries over.
        foreach (var p in quantized.Model.Proto.MetadataProps)
            if (result.Model.Metadata(p.Key) is null) result.Model.SetMetadata(p.Key, p.Value);
        return result;
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
