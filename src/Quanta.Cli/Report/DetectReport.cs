using Quanta.Cli.Output;
using Quanta.Detect.Drawing;
using Quanta.Detect.Pipeline;
using Quanta.Detect.Timing;
using ScottPlot;

namespace Quanta.Cli.Report;

/// <summary>The detect loop's report: the table, a per-frame latency plot, a few annotated frames.</summary>
static class DetectReport
{
    public static ReportPage Build(string title, DetectSummary summary, LoopResult result)
    {
        var page = new ReportPage(title)
            .Heading("Summary")
            .Table(DetectSummary.Columns, summary.Cells())
            .Paragraph(summary.Caption() + ".")
            .Image(LatencyPlot(result), "per-frame times: loop latency (decode → written) and each model's Run");
        if (result.Samples.Count > 0)
        {
            page.Heading("Annotated frames").Paragraph("Green: the model's detections; orange: the reference model's (with --compare).");
            foreach (var s in result.Samples) page.Image(PngWriter.Encode(s.Pixels, s.Width, s.Height), $"frame {s.Index}: {s.Note}");
        }
        return page;
    }

    static byte[] LatencyPlot(LoopResult r)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title("Per-frame times");
        plot.XLabel("frame");
        plot.YLabel("milliseconds");
        var series = new List<(string, FrameTimes)> { ("loop latency", r.Latency), ("model Run", r.Inference) };
        if (r.ReferenceInference is { } reference) series.Add(("reference Run", reference));
        foreach (var (label, times) in series)
        {
            // Each point is the mean of Stride consecutive frames (the loop keeps a fixed-size series).
            var points = new double[times.Series.Count];
            for (int i = 0; i < points.Length; i++) points[i] = times.Series.Points[i];
            var line = plot.Add.Signal(points, period: times.Series.Stride);
            line.LegendText = times.Series.Stride == 1 ? label : $"{label} (mean of {times.Series.Stride} frames per point)";
        }
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(900, 380, ImageFormat.Png);
    }
}
