using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>What `bench` prints, for one model or a comparison: the table, its caption, and a warning when the run's conditions skew it.</summary>
static class BenchTables
{
    public static void Print(string model, BenchResult r)
    {
        var table = Printer.Table(Columns(r));
        table.AddCells(Cells(model, r));
        table.Caption = new TableTitle(Markup.Escape(Caption(r)));
        Printer.Stdout.Write(table);
        if (FarApartWarning([r]) is { } warning) Printer.Note(warning);
    }

    public static void Print(List<ComparedBench> compared, BenchOptions options, int rounds)
    {
        var table = Printer.Table(ComparisonColumns(options));
        foreach (var c in compared) table.AddCells(ComparisonCells(c));
        table.Caption = new TableTitle(Markup.Escape(ComparisonCaption(compared, rounds)));
        Printer.Stdout.Write(table);
        if (FarApartWarning(compared) is { } warning) Printer.Note(warning);
    }

    /// <summary>
    /// One line when ONNX Runtime's threads sat far apart during some of the runs: multi-threaded
    /// batch-1 figures from such a spell are slow for reasons outside the model.
    /// </summary>
    public static string? FarApartWarning(IReadOnlyList<BenchResult> runs)
    {
        var far = runs.Where(r => r.ThreadsFarApart).ToList();
        if (far.Count == 0) return null;
        string which = runs.Count == 1 ? "during this run" : $"in {far.Count} of {runs.Count} runs";
        return $"warning: the cores answered each other slowly {which} (round trip {far.Max(r => r.CoreRoundTripNs):0} ns; " +
               $"above {CoreLatency.FarApartNs:0} ns the host has put them far apart): multi-threaded batch-1 timings run slow then, " +
               "so compare models with `quanta bench A B`, which measures them in turn under the same conditions";
    }

    /// <summary>The same warning over every round of a comparison.</summary>
    public static string? FarApartWarning(List<ComparedBench> compared) => FarApartWarning(compared.SelectMany(c => c.Rounds).ToList());

    public static string[] ComparisonColumns(BenchOptions o) =>
        ["model", "p50 (speed-up)", $"batch {o.Batch}", $"{o.Streams} × batch 1", "size"];

    public static string[] ComparisonCells(ComparedBench c) =>
        [Path.GetFileName(c.Name), $"{c.LatencyP50Ms:0.000} ms ({c.LatencySpeedup:0.00}×)", $"{c.Throughput:0} /s ({c.ThroughputSpeedup:0.00}×)",
         $"{c.ServingThroughput:0} /s ({c.ServingSpeedup:0.00}×)", Printer.Bytes(c.ModelBytes)];

    public static string ComparisonCaption(List<ComparedBench> compared, int rounds) =>
        $"medians of {rounds} round{(rounds == 1 ? "" : "s")} in which the models take turns; speed-ups are the median of each round's ratio to " +
        $"{Path.GetFileName(compared[0].Name)}{RoundTrip(compared.SelectMany(c => c.Rounds))}; on {compared[0].Rounds[0].Hardware}";

    static string RoundTrip(IEnumerable<BenchResult> runs)
    {
        var ns = runs.Select(r => r.CoreRoundTripNs).Where(double.IsFinite).ToList();
        return ns.Count == 0 ? "" : $"; core-to-core round trip {BenchmarkComparison.Median(ns):0} ns";
    }

    /// <summary>The summary's columns, shared with the HTML report.</summary>
    public static string[] Columns(BenchResult r) =>
        ["model", "p50", "p90", "p99", $"batch {r.Batch}", $"{r.Streams} × batch 1", "size", "peak RSS", "threads"];

    public static string[] Cells(string model, BenchResult r) =>
        [Path.GetFileName(model), $"{r.LatencyP50Ms:0.000} ms", $"{r.LatencyP90Ms:0.000} ms", $"{r.LatencyP99Ms:0.000} ms", $"{r.Throughput:0} /s",
         $"{r.ServingThroughput:0} /s", Printer.Bytes(r.ModelBytes), Printer.Bytes(r.PeakRssBytes), r.Threads.ToString()];

    /// <summary>What the columns mean and how much was measured.</summary>
    public static string Caption(BenchResult r) =>
        $"p50/p90/p99: batch-1 latency over {r.LatencyRuns} runs; batch {r.Batch}: samples/s over {r.BatchRuns} runs; " +
        $"{r.Streams} × batch 1: requests/s with {r.Streams} batch-1 request{(r.Streams == 1 ? "" : "s")} in flight{RoundTrip([r])}; on {r.Hardware}";
}
