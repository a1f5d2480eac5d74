using Quanta.Latency;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>Latency placement in a summary: the per-region decisions, then the speed-up the written model measured.</summary>
static class PlacementTable
{
    public static void Print(IAnsiConsole console, PlacementResult p)
    {
        if (p.Searched)
        {
            var table = Printer.Table("region", "nodes", "op types", "from → to", "int8 speed-up", "kept");
            foreach (var r in p.Regions)
                table.AddCells(r.Region, $"{r.Nodes} ({r.WeightedNodes} weighted)", r.OpTypes, $"{r.First} → {r.Last}", $"{r.Speedup:0.00}×", Kept(p, r));
            table.Caption = new TableTitle(Markup.Escape(
                (p.RegionsIn == "int8" ? "each region timed int8 vs float, the rest int8" : "int8 from each region to the output, float before it; speed-up: what adding the region gained") + $": median of {p.Rounds} interleaved rounds' ratios; " +
                (p.RegionsIn == "int8" ? $"int8 kept at ≥ {p.Margin:0.00}×" : $"the fastest suffix kept when ≥ {p.Margin:0.00}× float")));
            console.Write(table);
            if (p.Reverted) console.WriteLine("the regions that lost in int8, float together, ran slower than the all-int8 plan: preferred the all-int8 plan");
            if (p.AllFloat)
                console.WriteLine($"no int8 region made this model faster than float at batch {p.Batch}, {p.Threads} thread{(p.Threads == 1 ? "" : "s")} " +
                    $"(placed {p.PlacedSpeedup:0.00}×, all-int8 {p.Int8Speedup:0.00}×): wrote it float everywhere; --objective size writes all-int8");
            else if (p.GivenUp.Count > 0)
                console.WriteLine($"the placed model ran {p.PlacedSpeedup:0.00}× float: gave up {string.Join(", ", p.GivenUp)} (slowest first) so it is not slower than float");
        }
    }

    static string Kept(PlacementResult p, RegionDecision r) => !r.KeptInt8 ? "float" : p.GivenUp.Contains(r.Region) ? "float (guard)" : "int8";

    /// <summary>The closing line (and a warning when the output is slower than the input).</summary>
    public static void SpeedLine(IAnsiConsole console, PlacementResult p)
    {
        console.WriteLine($"speed-up at batch {p.Batch}, {p.Threads} thread{(p.Threads == 1 ? "" : "s")}: {p.Speedup:0.00}× float " +
            $"({p.FloatMs:0.###} ms → {p.QuantizedMs:0.###} ms per run; all-int8 {p.Int8Speedup:0.00}×; --objective {p.Objective.Name()})");
        if (p.Slower)
            Printer.Note($"warning: the written model ran slower than the float one here ({p.Speedup:0.00}× at batch {p.Batch}, {p.Threads} threads); " +
                "check with `quanta bench FLOAT OUT --rounds 5`, or keep the float model");
    }
}
