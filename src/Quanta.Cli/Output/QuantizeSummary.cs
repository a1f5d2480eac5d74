using Quanta.IR;
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
    List<CollapsedWeight> CollapsedWeights,
    List<string> Advice,
    Calibration.AutoChoice? Auto,
    Latency.PlacementResult? Placement)
{
    public static QuantizeSummary Of(QuantizeResult r, Model input, string output, Latency.PlacementResult? placement = null) => new(
        input.Source, output, r.Recipe.Describe(),
        input.FileBytes, SummaryTables.ModelBytes(output),
        r.Plan.QuantizedNodes.Count,
        r.Plan.QuantizedNodes.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
        r.Plan.KeptFloat.ToList(), r.Plan.FusedActivations.Count,
        r.CalibrationSamples, r.CalibrationSeconds, r.TotalSeconds, r.Ranges, r.CollapsedWeights, QuantizeAdvice.For(r), r.Auto, placement);

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

        if (s.Auto is { } auto) AutoTable.Print(console, auto);
        if (s.Placement is { } placement) PlacementTable.Print(console, placement);
        SummaryTables.Size(console, s.InputBytes, "quantized model", s.OutputBytes);
        console.WriteLine($"{s.Recipe}");
        console.WriteLine($"calibrated on {s.CalibrationSamples} samples in {s.CalibrationSeconds:0.0} s; total {s.TotalSeconds:0.0} s; wrote {s.Output}");
        foreach (var line in s.Advice) Printer.Note(line);
        if (s.Placement is { } timed) PlacementTable.SpeedLine(console, timed);
    }
}
