using Quanta.Analysis;
using Quanta.Calibration;
using ScottPlot;

namespace Quanta.Cli.Report;

/// <summary>The report's ScottPlot charts, rendered to PNG bytes with an explicit font (so text renders on bare servers).</summary>
static class Charts
{
    const string Font = "DejaVu Sans";

    static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Font.Set(Font);
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    /// <summary>Horizontal bars of SQNR per tensor, worst at the top.</summary>
    public static byte[] SqnrBars(IReadOnlyList<TensorError> tensors, int max = 40)
    {
        var shown = tensors.Take(max).ToList();
        var plot = NewPlot($"Per-layer SQNR (worst {shown.Count} of {tensors.Count})", "SQNR (dB)", "");
        var bars = new List<Bar>();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < shown.Count; i++)
        {
            double position = shown.Count - 1 - i;
            var t = shown[i];
            var color = t.Kind == QuantizedKind.Activation ? Colors.SteelBlue : Colors.DarkOrange;
            bars.Add(new Bar { Position = position, Value = Math.Max(0, Finite(t.SqnrDb)), FillColor = color, Size = 0.8 });
            ticks.AddMajor(position, Shorten($"{t.Tensor} ({t.Kind.ToString().ToLowerInvariant()})", 48));
        }
        var series = plot.Add.Bars(bars);
        series.Horizontal = true;
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.TickLabelStyle.FontSize = 11;
        plot.Axes.Margins(left: 0);
        return plot.GetImageBytes(1100, 120 + 22 * shown.Count, ImageFormat.Png);
    }

    /// <summary>A float activation's histogram (log counts) with the quantized range drawn as two red lines.</summary>
    public static byte[] ActivationHistogram(string tensor, Histogram h, double rangeMin, double rangeMax)
    {
        var plot = NewPlot(Shorten(tensor, 60), "value", "log10(count + 1)");
        double lo = Math.Min(h.Min, rangeMin), hi = Math.Max(h.Max, rangeMax);
        var counts = h.Counts;
        var bars = new List<Bar>();
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0) continue;
            double center = h.BinLower(i) + h.BinWidth / 2;
            bars.Add(new Bar { Position = center, Value = Math.Log10(counts[i] + 1), Size = h.BinWidth, FillColor = Colors.SteelBlue, LineWidth = 0 });
        }
        plot.Add.Bars(bars);
        foreach (var x in new[] { rangeMin, rangeMax })
        {
            if (!double.IsFinite(x)) continue;
            var line = plot.Add.VerticalLine(x);
            line.Color = Colors.Red;
            line.LineWidth = 2;
        }
        double pad = Math.Max(1e-6, (hi - lo) * 0.05);
        plot.Axes.SetLimitsX(lo - pad, hi + pad);
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(560, 320, ImageFormat.Png);
    }

    /// <summary>Accuracy against size for every trial; the ones meeting the target in green, the chosen one circled.</summary>
    public static byte[] Pareto(IReadOnlyList<(double SizeMiB, double Accuracy, bool Met, bool Chosen)> points, double floatAccuracy, double target)
    {
        var plot = NewPlot("Tune trials: accuracy vs size", "model size (MiB)", "top-1 accuracy (%)");
        foreach (var (met, color, label) in new[] { (true, Colors.ForestGreen, "meets target"), (false, Colors.Gray, "misses target") })
        {
            var xs = points.Where(p => p.Met == met).Select(p => p.SizeMiB).ToArray();
            var ys = points.Where(p => p.Met == met).Select(p => p.Accuracy * 100).ToArray();
            if (xs.Length == 0) continue;
            var s = plot.Add.ScatterPoints(xs, ys);
            s.Color = color;
            s.MarkerSize = 9;
            s.LegendText = label;
        }
        foreach (var p in points.Where(p => p.Chosen))
        {
            var m = plot.Add.Marker(p.SizeMiB, p.Accuracy * 100);
            m.Shape = MarkerShape.OpenCircle;
            m.Size = 22;
            m.Color = Colors.Red;
            m.LegendText = "chosen";
        }
        var floatLine = plot.Add.HorizontalLine(floatAccuracy * 100);
        floatLine.Color = Colors.Black;
        floatLine.LinePattern = LinePattern.Dashed;
        floatLine.LegendText = "float";
        var targetLine = plot.Add.HorizontalLine(target * 100);
        targetLine.Color = Colors.Red;
        targetLine.LinePattern = LinePattern.Dotted;
        targetLine.LegendText = "target";
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(800, 480, ImageFormat.Png);
    }

    /// <summary>Grouped bars of latency percentiles, one colour per model (named in a legend when there are several).</summary>
    public static byte[] Latency(IReadOnlyList<(string Model, double P50, double P90, double P99)> rows)
    {
        var plot = NewPlot("Batch-1 latency", "", "milliseconds");
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int m = 0; m < rows.Count; m++)
        {
            var r = rows[m];
            double[] values = [r.P50, r.P90, r.P99];
            for (int k = 0; k < 3; k++)
                bars.Add(new Bar { Position = k * (rows.Count + 1) + m, Value = values[k], FillColor = palette.GetColor(m), Size = 0.9 });
            if (rows.Count > 1) plot.Legend.ManualItems.Add(new LegendItem { LabelText = Shorten(r.Model, 32), FillColor = palette.GetColor(m) });
        }
        string[] names = ["p50", "p90", "p99"];
        for (int k = 0; k < 3; k++) ticks.AddMajor(k * (rows.Count + 1) + (rows.Count - 1) / 2.0, names[k]);
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Margins(bottom: 0);
        if (rows.Count > 1) plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(640, 360, ImageFormat.Png);
    }

    static double Finite(double v) => double.IsFinite(v) ? v : 0;

    static string Shorten(string s, int max) => s.Length <= max ? s : "…" + s[^(max - 1)..];
}
