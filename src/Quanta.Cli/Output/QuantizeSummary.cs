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
    List<ChosenRange> Ranges)
{
    public static QuantizeSummary Of(QuantizeResult r, string input, string output) => new(
        input, output, r.Recipe.Describe(),
        new FileInfo(input).Length, new FileInfo(output).Length + (File.Exists(output + ".data") ? new FileInfo(output + ".data").Length : 0),
        r.Plan.QuantizedNodes.Count,
        r.Plan.QuantizedNodes.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
        r.Plan.KeptFloat, r.Plan.FusedActivations.Count,
        r.CalibrationSamples, r.CalibrationSeconds, r.TotalSeconds, r.Ranges);

    public static void Print(QuantizeSummary s)
    {
        var console = Printer.Stdout;
        var nodes = Printer.Table("op type", "quantized", "kept float");
        var kept = s.KeptFloat.GroupBy(k => k.OpType).ToDictionary(g => g.Key, g => g.Count());
        foreach (var op in s.QuantizedByOpType.Keys.Union(kept.Keys).Order(StringComparer.Ordinal))
            nodes.AddCells(op, s.QuantizedByOpType.GetValueOrDefault(op).ToString(), kept.GetValueOrDefault(op).ToString());
        nodes.Caption = new TableTitle(Markup.Escape($"{s.QuantizedNodes} nodes quantized ({s.FusedActivations} Relu/Clip folded into their producer), {s.KeptFloat.Count} kept float"));
        console.Write(nodes);

        var reasons = s.KeptFloat.GroupBy(k => (k.OpType, k.Reason)).ToList();
        if (reasons.Count > 0)
        {
            var table = Printer.Table("kept float", "why", "nodes");
            foreach (var g in reasons.OrderBy(g => g.Key.OpType, StringComparer.Ordinal))
                table.AddCells(g.Key.OpType, (g.Key.Reason), (Abbreviate(g.Select(k => k.Node))));
            console.Write(table);
        }

        var ranges = Printer.Table("activation", "min", "max", "scale", "zero point");
        foreach (var r in s.Ranges.Take(12))
            ranges.AddCells((r.Tensor), $"{r.Min:G4}", $"{r.Max:G4}", $"{r.Scale:G4}", r.ZeroPoint.ToString());
        if (s.Ranges.Count > 12) ranges.Caption = new TableTitle(Markup.Escape($"first 12 of {s.Ranges.Count} calibrated activations (all with --json)"));
        console.Write(ranges);

        var size = Printer.Table("", "bytes", "ratio");
        size.AddCells("float model", Printer.Bytes(s.InputBytes), "1.00×");
        size.AddCells("quantized model", Printer.Bytes(s.OutputBytes), $"{(double)s.OutputBytes / s.InputBytes:0.00}×");
        console.Write(size);
        console.WriteLine($"{s.Recipe}");
        console.WriteLine($"calibrated on {s.CalibrationSamples} samples in {s.CalibrationSeconds:0.0} s; total {s.TotalSeconds:0.0} s; wrote {s.Output}");
    }

    static string Abbreviate(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 3 ? string.Join(", ", list) : $"{string.Join(", ", list.Take(3))} … (+{list.Count - 3})";
    }
}
