using Quanta.Analysis;
using Quanta.Cli.Output;
using Quanta.Data;
using Quanta.IR;
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
            .Table(BenchTables.Columns(r), [BenchTables.Cells(path, r)])
            .Paragraph(BenchTables.Caption(r) + ".");
        if (BenchTables.FarApartWarning([r]) is { } warning) page.Paragraph(warning);
        return page.Image(Charts.Latency([(Path.GetFileName(path), r.LatencyP50Ms, r.LatencyP90Ms, r.LatencyP99Ms)]), "batch-1 latency percentiles");
    }

    public static ReportPage BenchComparison(List<ComparedBench> compared, BenchOptions options, int rounds)
    {
        var page = new ReportPage($"Quanta bench: {compared.Count} models")
            .Heading("Summary")
            .Table(BenchTables.ComparisonColumns(options), compared.Select(BenchTables.ComparisonCells))
            .Paragraph(BenchTables.ComparisonCaption(compared, rounds) + ".");
        if (BenchTables.FarApartWarning(compared) is { } warning) page.Paragraph(warning);
        return page.Image(Charts.Latency(compared.Select(c => (Path.GetFileName(c.Name), c.LatencyP50Ms, c.LatencyP90Ms, c.LatencyP99Ms)).ToList()),
                "batch-1 latency percentiles (medians over the rounds)");
    }

    public static ReportPage Tune(string floatPath, string outputPath, TuneResult r, CompareResult compared)
    {
        // Scores are points of the tune metric; the summary's accuracy columns take fractions of top-1 only.
        bool top1 = r.Metric == Metric.Top1;
        string metric = OptionNames.Of(r.Metric);
        var page = new ReportPage($"Quanta tune: {Path.GetFileName(outputPath)}")
            .Heading("Summary")
            .Summary(new SummaryRow(floatPath, outputPath, top1 ? (r.ConfirmReferenceScore ?? r.ReferenceScore) / 100 : null, top1 ? (r.ConfirmScore ?? r.Chosen.Score) / 100 : null,
                r.ConfirmSamples is { } n ? $"{n} samples" : $"{r.SearchSamples} search samples", FileBytes(floatPath), FileBytes(outputPath), null, null))
            .Paragraph(r.Met
                ? $"Target {metric} ≥ {r.Target:0.00} met with {r.RaisedLayers.Count} layers above the starting precision ({r.Chosen.Precision}), calibration {r.Chosen.Method}. Recipe: {r.Best.Recipe.Describe()}."
                : $"Target {metric} ≥ {r.Target:0.00} not met within the trial budget; the most accurate candidate was kept.");
        long? floatBytes = FileBytes(floatPath);
        var points = r.Trials.Where(t => t.Phase != "confirm")
            .Select(t => (t.Bytes / 1048576.0, t.Score / 100, t.Met, t.Index == r.Chosen.Index || t.Index + 1 == r.Chosen.Index && r.Chosen.Phase == "confirm"))
            .ToList();
        if (floatBytes is { } fb) points.Add((fb / 1048576.0, r.ReferenceScore / 100, true, false));
        page.Heading("Trials").Image(Charts.Pareto(points, r.ReferenceScore / 100, r.Target / 100), $"every trial on the search subset: {metric} against model size (the float model is the right-most point)")
            .Table(["#", "phase", "calibration", "recovery", "precision", "raised", "size", metric, "output SQNR dB", "meets"],
                r.Trials.Select(t => new[] { t.Index.ToString(), t.Phase, t.Method, Recovery(t), t.Precision, t.Raised.ToString(), Printer.Bytes(t.Bytes), $"{t.Score:0.00}", $"{t.OutputSqnrDb:0.00}", t.Met ? "yes" : "no" }));
        if (r.RaisedLayers.Count > 0) page.Paragraph($"Raised layers: {string.Join(", ", r.RaisedLayers)}");
        return WithComparison(page, compared);
    }

    /// <summary>A trial's recovery steps, with the points a recovery trial gained: "bias-corrected (+0.42)".</summary>
    public static string Recovery(Analysis.TuneTrial t) =>
        t.Recovery.Length == 0 ? "" : t.Gain is { } g ? $"{t.Recovery} ({g:+0.00;-0.00})" : t.Recovery;

    /// <summary>
    /// quantize --report: quantize has no evaluation data, so the comparison runs on (up to 256 of) the
    /// calibration samples, which is said on the page.
    /// </summary>
    public static void AfterQuantize(string? dir, Model input, Model quantized, IDataset calibration, string inputPath, string outputPath)
    {
        if (dir is null) return;
        var compared = ProgressDisplay.Run(p => ModelComparer.Compare(input, quantized, new FirstSamples(calibration, 256), progress: p));
        var page = new ReportPage($"Quanta quantize: {Path.GetFileName(outputPath)}")
            .Heading("Summary")
            .Summary(new SummaryRow(inputPath, outputPath, compared.Output.FloatTop1, compared.Output.QuantizedTop1,
                $"{compared.Samples} calibration samples", FileBytes(inputPath), FileBytes(outputPath), null, null))
            .Paragraph($"Recipe: {quantized.Metadata("quanta.recipe")}. Accuracy here is measured on calibration samples; use compare or eval with test data for held-out figures.");
        WithComparison(page, compared).Write(dir);
    }

    /// <summary>The per-layer part shared by compare, quantize and tune: output agreement, SQNR chart and table, histograms.</summary>
    public static ReportPage WithComparison(ReportPage page, CompareResult r, int histograms = 6)
    {
        var o = r.Output;
        page.Heading("Final output")
            .Table(["output", "samples", "SQNR dB", "cosine", "top-1 agreement", "mean KL"],
                [[o.Output, o.Samples.ToString(), $"{o.SqnrDb:0.00}", $"{o.Cosine:0.00000}", Printer.Percent(o.Top1Agreement), $"{o.MeanKl:G4}"]]);
        if (r.Tensors.Count == 0) return page.Paragraph("No quantized tensors named as Quanta names them were found (is the model from another tool?), so only the final output was compared.");
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
        string speedup = s.FloatLatencyMs is { } fl && s.QuantizedLatencyMs is { } ql && ql > 0 ? $"{fl / ql:0.00}× faster" : "not measured (quanta bench --report)";
        return page.Table(["", "model", $"top-1{(s.AccuracyData is null ? "" : $" ({s.AccuracyData})")}", "size", "latency (batch 1)"],
            [
                ["float", s.FloatModel, Acc(s.FloatTop1), Size(s.FloatBytes), Ms(s.FloatLatencyMs)],
                ["quantized", s.QuantizedModel, Acc(s.QuantizedTop1), Size(s.QuantizedBytes), Ms(s.QuantizedLatencyMs)],
                ["change", "", s.FloatTop1 is { } f && s.QuantizedTop1 is { } q ? $"{(q - f) * 100:+0.00;-0.00} points" : "-", $"{ratio} of float", speedup],
            ]);
    }

    public static long? FileBytes(string path) =>
        File.Exists(path) ? new FileInfo(path).Length + (File.Exists(path + ".data") ? new FileInfo(path + ".data").Length : 0) : null;
}
