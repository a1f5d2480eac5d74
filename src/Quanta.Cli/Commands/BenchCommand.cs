using Spectre.Console;
using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Cli.Commands;

/// <summary>`quanta bench MODEL`: batch-1 latency percentiles, throughput at --batch, size and peak memory.</summary>
static class BenchCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var batch = new Option<int>("--batch") { Description = "Batch size for the throughput measurement", DefaultValueFactory = _ => 64 };
        var threads = CommonOptions.Threads();
        var runs = new Option<int>("--runs") { Description = "Timed batch-1 runs (throughput uses a tenth, at least 5)", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up runs", DefaultValueFactory = _ => 20 };
        var streams = new Option<int>("--streams")
        {
            Description = "Also measure serving throughput: this many concurrent batch-1 requests on one session, each on threads/streams intra-op threads (1 = one request at a time)",
            DefaultValueFactory = _ => 1,
        };
        var json = CommonOptions.Json();
        var command = new Command("bench", "Measure latency (p50/p90/p99), throughput, model size and peak memory in ONNX Runtime")
            { model, batch, threads, runs, warmup, streams, json };
        var report = Report.ReportOption.AddTo(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            var m = Model.Load(path);
            var options = new BenchOptions(parse.GetValue(batch), parse.GetValue(threads), parse.GetValue(warmup), parse.GetValue(runs), Streams: parse.GetValue(streams));
            var result = ProgressDisplay.Run(p => Benchmark.Run(m, new FileInfo(path).Length, options, p));
            if (parse.GetValue(json)) Printer.Json(new { model = path, result });
            else Print(path, result);
            if (parse.GetValue(report) is { } dir) Report.Reports.Bench(path, result).Write(dir);
            return 0;
        });
        return command;
    }

    public static void Print(string model, BenchResult r)
    {
        var table = Printer.Table(Columns(r));
        table.AddCells(Cells(model, r));
        table.Caption = new TableTitle(Markup.Escape(Caption(r)));
        Printer.Stdout.Write(table);
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
        $"{r.Streams} × batch 1: requests/s with {r.Streams} batch-1 request{(r.Streams == 1 ? "" : "s")} in flight; on {r.Hardware}";
}
