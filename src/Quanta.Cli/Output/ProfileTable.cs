using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>`bench --profile`: kernel time per op type, one column per model, the costliest op types first.</summary>
static class ProfileTable
{
    public static void Print(string[] paths, List<List<OpTime>> profiles, BenchOptions options)
    {
        var columns = new List<string> { "op type" };
        columns.AddRange(paths.Select(p => $"{Path.GetFileName(p)} µs/run (nodes)"));
        var table = Printer.Table(columns.ToArray());
        var opTypes = profiles.SelectMany(p => p).GroupBy(t => t.OpType)
            .OrderByDescending(g => g.Max(t => t.MicrosecondsPerRun)).Select(g => g.Key);
        foreach (var op in opTypes)
            table.AddCells([op, .. profiles.Select(p => p.FirstOrDefault(t => t.OpType == op) is { } t ? $"{t.MicrosecondsPerRun:0.0} ({t.Nodes})" : "-")]);
        table.AddCells(["total", .. profiles.Select(p => $"{p.Sum(t => t.MicrosecondsPerRun):0.0}")]);
        table.Caption = new TableTitle(Markup.Escape(
            $"ONNX Runtime's profiler, batch 1, {(options.Threads == 0 ? "all cores" : $"{options.Threads} thread(s)")}: kernel time per op type of the graph it runs after its fusions"));
        Printer.Stdout.Write(table);
    }
}
