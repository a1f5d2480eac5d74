using Quanta.Quantization;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>What `quantize` reports: recipe, nodes quantized and kept float (with reasons), bytes, ranges, time.</summary>
sealed record QuantizeSummary(
    string Input,
    string Output,
    string Recipe,
    long InputBytes,
    long OutputBytes,
    int QuantizedNodes,
    Dictionary<string, int> QuantizedByOpType,
    List<KeptFloat> KeptFloat,
    int FusedActivations,
    int CalibrationSamples,
    double CalibrationSeconds,
    double TotalSeconds,
    List<ChosenRange> Ranges,
    List<CollapsedWeight> CollapsedWeights)
{
    public static QuantizeSummary Of(QuantizeResult r, string input, string output) => new(
        input, output, r.Recipe.Describe(),
        new FileInfo(input).Length, SummaryTables.ModelBytes(output),
        r.Plan.QuantizedNodes.Count,
        r.Plan.QuantizedNodes.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
        r.Plan.KeptFloat, r.Plan.FusedActivations.Count,
        r.CalibrationSamples, r.CalibrationSeconds, r.TotalSeconds, r.Ranges, r.CollapsedWeights);

    public static void Print(QuantizeSummary s)
    {
        var console = Printer.Stdout;
        SummaryTables.Nodes(console, "quantized", s.QuantizedByOpType, s.KeptFloat,
            $"{s.QuantizedNodes} nodes quantized ({s.FusedActivations} Relu/Clip folded into their producer), {s.KeptFloat.Count} kept float");

        var ranges = Printer.Table("activation", "min", "max", "scale", "zero point");
        foreach (var r in s.Ranges.Take(12))
            ranges.AddCells((r.Tensor), $"{r.Min:G4}", $"{r.Max:G4}", $"{r.Scale:G4}", r.ZeroPoint.ToString());
        if (s.Ranges.Count > 12) ranges.Caption = new TableTitle(Markup.Escape($"first 12 of {s.Ranges.Count} calibrated activations (all with --json)"));
        console.Write(ranges);

        SummaryTables.Size(console, s.InputBytes, "quantized model", s.OutputBytes);
        console.WriteLine($"{s.Recipe}");
        console.WriteLine($"calibrated on {s.CalibrationSamples} samples in {s.CalibrationSeconds:0.0} s; total {s.TotalSeconds:0.0} s; wrote {s.Output}");
        if (CollapseWarning(s.CollapsedWeights) is { } warning) Printer.Note(warning);
    }

    /// <summary>One line that says how many channels per-tensor weights flattened, and where it is worst.</summary>
    public static string? CollapseWarning(List<CollapsedWeight> collapsed)
    {
        if (collapsed.Count == 0) return null;
        var worst = collapsed[0];
        return $"warning: with per-tensor weight scales, {collapsed.Sum(c => c.Collapsed)} output channels in {collapsed.Count} weight tensor{(collapsed.Count == 1 ? "" : "s")} " +
               $"quantize to a single value (worst: {worst.Tensor}, {worst.Collapsed} of {worst.Channels}); --per-channel true keeps them";
    }
}
