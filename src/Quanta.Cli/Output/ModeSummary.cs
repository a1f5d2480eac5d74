using Quanta.Quantization;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>What `quantize --mode dynamic|weight-only|fp16|bf16` reports: recipe, nodes converted and kept float (with reasons), notes, bytes, time.</summary>
sealed record ModeSummary(
    string Input,
    string Output,
    string Mode,
    string Recipe,
    long InputBytes,
    long OutputBytes,
    int ConvertedNodes,
    Dictionary<string, int> ConvertedByOpType,
    List<KeptFloat> KeptFloat,
    List<string> Notes,
    double TotalSeconds)
{
    public static ModeSummary Of(ModeResult r, string input, string output) => new(
        input, output, r.Mode, r.Recipe,
        new FileInfo(input).Length, new FileInfo(output).Length + (File.Exists(output + ".data") ? new FileInfo(output + ".data").Length : 0),
        r.ConvertedNodes,
        r.ConvertedByOpType.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value),
        r.KeptFloat, r.Notes, r.TotalSeconds);

    public static void Print(ModeSummary s)
    {
        var console = Printer.Stdout;
        var nodes = Printer.Table("op type", "converted", "kept float");
        var kept = s.KeptFloat.GroupBy(k => k.OpType).ToDictionary(g => g.Key, g => g.Count());
        foreach (var op in s.ConvertedByOpType.Keys.Union(kept.Keys).Order(StringComparer.Ordinal))
            nodes.AddCells(op, s.ConvertedByOpType.GetValueOrDefault(op).ToString(), kept.GetValueOrDefault(op).ToString());
        nodes.Caption = new TableTitle(Markup.Escape($"{s.ConvertedNodes} nodes converted ({s.Mode}), {s.KeptFloat.Count} kept float"));
        console.Write(nodes);

        var reasons = s.KeptFloat.GroupBy(k => (k.OpType, k.Reason)).ToList();
        if (reasons.Count > 0)
        {
            var table = Printer.Table("kept float", "why", "nodes");
            foreach (var g in reasons.OrderBy(g => g.Key.OpType, StringComparer.Ordinal))
            {
                var names = g.Select(k => k.Node).ToList();
                table.AddCells(g.Key.OpType, g.Key.Reason, names.Count <= 3 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(3))} … (+{names.Count - 3})");
            }
            console.Write(table);
        }

        var size = Printer.Table("", "bytes", "ratio");
        size.AddCells("float model", Printer.Bytes(s.InputBytes), "1.00×");
        size.AddCells($"{s.Mode} model", Printer.Bytes(s.OutputBytes), $"{(double)s.OutputBytes / s.InputBytes:0.00}×");
        console.Write(size);
        foreach (var note in s.Notes) console.WriteLine(note);
        console.WriteLine(s.Recipe);
        console.WriteLine($"total {s.TotalSeconds:0.0} s; wrote {s.Output}");
    }
}
