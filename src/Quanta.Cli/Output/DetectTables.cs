using Quanta.Detect.Pipeline;
using Quanta.Detect.Scoring;
using Quanta.Detect.Timing;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>The detect loop's figures per model, as the table, the report and --json show them.</summary>
sealed record DetectRow(string Model, string Path, double? F1, double? Precision, double? Recall, double? F1VsReference,
    double InferenceP50Ms, double ModelOnlyFps);

/// <summary>One run of the loop: the per-model rows and the loop's own speed and memory.</summary>
sealed record DetectSummary(string Source, long Frames, long Dropped, double LoopFps, double LatencyP50Ms, double LatencyP99Ms,
    long RssFirstBytes, long RssLastBytes, IReadOnlyList<MemorySample> Memory, string? Output, List<DetectRow> Rows)
{
    public static DetectSummary From(LoopResult r, string model, string? reference, string? output)
    {
        var rows = new List<DetectRow> { Row("model", model, r.VsTruth, r.VsReference, r.Inference) };
        if (reference is not null) rows.Add(Row("reference", reference, r.ReferenceVsTruth, null, r.ReferenceInference!));
        return new DetectSummary(r.Source, r.Frames, r.Dropped, r.Fps, r.Latency.Percentile(0.5), r.Latency.Percentile(0.99),
            r.Memory.Count > 0 ? r.Memory[0].RssBytes : 0, r.Memory.Count > 0 ? r.Memory[^1].RssBytes : 0, r.Memory, output, rows);
    }

    static DetectRow Row(string role, string path, DetectionTally? truth, DetectionTally? vsReference, FrameTimes inference)
    {
        double p50 = inference.Percentile(0.5);
        return new DetectRow(System.IO.Path.GetFileName(path), path, truth?.F1, truth?.Precision, truth?.Recall, vsReference?.F1, p50, p50 > 0 ? 1000 / p50 : 0);
    }

    public static readonly string[] Columns = ["model", "F1 vs truth", "precision", "recall", "F1 vs reference", "Run p50", "model-only FPS"];

    public IEnumerable<string[]> Cells() => Rows.Select(r => new[]
    {
        r.Model, Score(r.F1), Score(r.Precision), Score(r.Recall), r.F1VsReference is { } v ? $"{v:0.0000}" : "-",
        $"{r.InferenceP50Ms:0.00} ms", $"{r.ModelOnlyFps:0.0}",
    });

    public string Caption() =>
        $"{Source}: {Frames} frames, loop {LoopFps:0.0} FPS (decode ∥ infer ∥ draw{(Output is null ? "" : "/encode")}, {(Rows.Count > 1 ? "both models run on every frame" : "one model")}), " +
        $"latency p50 {LatencyP50Ms:0.0} ms / p99 {LatencyP99Ms:0.0} ms, {Dropped} dropped; RSS {Printer.Bytes(RssFirstBytes)} → {Printer.Bytes(RssLastBytes)}; " +
        "F1 at IoU 0.5" + (Output is null ? "" : $"; annotated frames in {Output}");

    static string Score(double? v) => v is { } x ? $"{x:0.0000}" : "-";

    public void Print()
    {
        var table = Printer.Table(Columns);
        foreach (var cells in Cells()) table.AddCells(cells);
        table.Caption = new TableTitle(Markup.Escape(Caption()));
        Printer.Stdout.Write(table);
    }
}

/// <summary>The live status line on stderr (a terminal only): frames, FPS, latency p50/p99, dropped.</summary>
sealed class LiveLine : IProgress<LoopStatus>
{
    readonly bool _live = !Console.IsErrorRedirected;
    bool _written;

    public void Report(LoopStatus s)
    {
        if (!_live) return;
        string total = s.Total is { } t ? $"/{t}" : "";
        Console.Error.Write($"\r{s.Frames}{total} frames  {s.Fps,6:0.0} FPS  latency p50 {s.LatencyP50Ms,6:0.0} ms  p99 {s.LatencyP99Ms,6:0.0} ms  dropped {s.Dropped}   ");
        _written = true;
    }

    /// <summary>Ends the line so what follows starts on its own.</summary>
    public void Finish()
    {
        if (_written) Console.Error.WriteLine();
    }
}
