using Quanta.Analysis;
using Quanta.Cli.Output;
using Quanta.Runtime;

namespace Quanta.Cli.Report;

/// <summary>Builds each verb's report page from the library's result objects.</summary>
static class Reports
{
    /// <summary>Float vs quantized figures; null cells are shown as "-" (not measured by this verb).</summary>
    public sealed record SummaryRow(string FloatModel, string QuantizedModel, double? FloatTop1, double? QuantizedTop1, string? AccuracyData,
        long? FloatBytes, long? QuantizedBytes, double? FloatLatencyMs, double? QuantizedLatencyMs);

    public static ReportPage Compare(string floatPath, string quantPath, CompareResult r) =>
        WithComparison(new ReportPage($"Quanta compare: {Path.GetFileName(quantPath)}")
            .Heading("Summary")
            .Summary(new SummaryRow(floatPath, quantPath, r.Output.FloatTop1, r.Output.QuantizedTop1, $"{r.Samples} compared samples",
                FileBytes(floatPath), FileBytes(quantPath), null, null)), r);

    public static ReportPage Bench(string path, BenchResult r)
    {
        var page = new ReportPage($"Quanta bench: {Path.GetFileName(path)}")
            .Heading("Summary")
            .Table(["model", "p50 ms", "p90 ms", "p99 ms", $"throughput (batch {r.Batch})", "size", "peak RSS", "threads"],
                [[path, $"{r.LatencyP50Ms:0.000}", $"{r.LatencyP90Ms:0.000}", $"{r.LatencyP99Ms:0.000}", $"{r.Throughput:0} /s",
                  Printer.Bytes(r.ModelBytes), Printer.Bytes(r.PeakRssBytes), r.Threads.ToString()]])
            .Paragraph($"{r.LatencyRuns} batch-1 runs, {r.BatchRuns} batch runs on {r.Hardware}.");
        return page.Image(Charts.Latency([(Path.GetFileName(path), r.LatencyP50Ms, r.LatencyP90Ms, r.LatencyP99Ms)]), "batch-1 latency percentiles");
    }

    /// <summary>The per-layer part shared by compare, quantize and tune: output agreement, SQNR chart and table, histograms.</summary>
    public static ReportPage WithComparison(ReportPage page, CompareResult r, int histograms = 6)
    {
        var o = r.Output;
        page.Heading("Final output")
            .Table(["output", "samples", "SQNR dB", "cosine", "top-1 agreement", "mean KL"],
                [[o.Output, o.Samples.ToString(), $"{o.SqnrDb:0.00}", $"{o.Cosine:0.00000}", Printer.Percent(o.Top1Agreement), $"{o.MeanKl:G4}"]]);
        if (r.Tensors.Count == 0) return page.Paragraph("No QDQ tensors found: the quantized model is not in QDQ form, so only the final output was compared.");
        page.Heading("Per-layer error")
            .Image(Charts.SqnrBars(r.Tensors), "SQNR per quantized tensor (blue: activations, orange: weights and biases), worst first")
            .Table(["tensor", "kind", "node", "SQNR dB", "local dB", "cosine", "max |err|", "clipped"],
                r.Tensors.Take(30).Select(t => new[]
                {
                    t.Tensor, t.Kind.ToString().ToLowerInvariant(), t.Node, $"{t.SqnrDb:0.00}", $"{t.LocalSqnrDb:0.00}",
                    $"{t.Cosine:0.00000}", $"{t.MaxAbsError:G4}", Printer.Percent(t.ClippingRatio),
                }));
        var worst = r.Tensors.Where(t => t.Kind == QuantizedKind.Activation && r.Histograms.TryGetValue(t.Tensor, out var h) && h.Count > 0)
            .Take(histograms).ToList();
        if (worst.Count > 0)
        {
            page.Heading("Activation histograms (worst first)")
                .Paragraph("Float values seen while comparing; the red lines are the quantized range chosen by calibration (values outside are clipped).");
            foreach (var t in worst)
                page.Image(Charts.ActivationHistogram(t.Tensor, r.Histograms[t.Tensor], t.RangeMin, t.RangeMax),
                    $"{t.Tensor}: range [{t.RangeMin:G4}, {t.RangeMax:G4}], {Printer.Percent(t.ClippingRatio)} clipped");
        }
        return page;
    }

    public static ReportPage Summary(this ReportPage page, SummaryRow s)
    {
        string Acc(double? a) => a is { } v ? $"{v * 100:0.00} %" : "-";
        string Size(long? b) => b is { } v ? Printer.Bytes(v) : "-";
        string Ms(double? m) => m is { } v ? $"{v:0.000} ms" : "-";
        string ratio = s.FloatBytes is { } fb && s.QuantizedBytes is { } qb && fb > 0 ? $"{(double)qb / fb:0.00}×" : "-";
        string speedup = s.FloatLatencyMs is { } fl && s.QuantizedLatencyMs is { } ql && ql > 0 ? $"{fl / ql:0.00}×" : "-";
        return page.Table(["", "model", $"top-1{(s.AccuracyData is null ? "" : $" ({s.AccuracyData})")}", "size", "latency (batch 1)"],
            [
                ["float", s.FloatModel, Acc(s.FloatTop1), Size(s.FloatBytes), Ms(s.FloatLatencyMs)],
                ["quantized", s.QuantizedModel, Acc(s.QuantizedTop1), Size(s.QuantizedBytes), Ms(s.QuantizedLatencyMs)],
                ["change", "", s.FloatTop1 is { } f && s.QuantizedTop1 is { } q ? $"{(q - f) * 100:+0.00;-0.00} points" : "-", $"{ratio} of float", $"{speedup} speed-up"],
            ]);
    }

    public static long? FileBytes(string path) =>
        File.Exists(path) ? new FileInfo(path).Length + (File.Exists(path + ".data") ? new FileInfo(path + ".data").Length : 0) : null;
}
