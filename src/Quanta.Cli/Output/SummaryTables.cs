using Quanta.Quantization;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>The tables every quantize summary shows, whatever the mode: nodes by op type, why nodes stayed float, bytes.</summary>
static class SummaryTables
{
    /// <summary>A written model's bytes, with its external-data side file when there is one.</summary>
    public static long ModelBytes(string path) =>
        new FileInfo(path).Length + (File.Exists(path + ".data") ? new FileInfo(path + ".data").Length : 0);

    public static void Nodes(IAnsiConsole console, string doneColumn, IReadOnlyDictionary<string, int> doneByOpType, List<KeptFloat> keptFloat, string caption)
    {
        var nodes = Printer.Table("op type", doneColumn, "kept float");
        var kept = keptFloat.GroupBy(k => k.OpType).ToDictionary(g => g.Key, g => g.Count());
        foreach (var op in doneByOpType.Keys.Union(kept.Keys).Order(StringComparer.Ordinal))
            nodes.AddCells(op, doneByOpType.GetValueOrDefault(op).ToString(), kept.GetValueOrDefault(op).ToString());
        nodes.Caption = new TableTitle(Markup.Escape(caption));
        console.Write(nodes);

        var reasons = keptFloat.GroupBy(k => (k.OpType, k.Reason)).ToList();
        if (reasons.Count == 0) return;
        var table = Printer.Table("kept float", "why", "nodes");
        foreach (var g in reasons.OrderBy(g => g.Key.OpType, StringComparer.Ordinal))
            table.AddCells(g.Key.OpType, g.Key.Reason, Abbreviate(g.Select(k => k.Node)));
        console.Write(table);
    }

    public static void Size(IAnsiConsole console, long inputBytes, string outputLabel, long outputBytes)
    {
        var size = Printer.Table("", "bytes", "ratio");
        size.AddCells("float model", Printer.Bytes(inputBytes), "1.00×");
        size.AddCells(outputLabel, Printer.Bytes(outputBytes), $"{(double)outputBytes / inputBytes:0.00}×");
        console.Write(size);
    }

    static string Abbreviate(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 3 ? string.Join(", ", list) : $"{string.Join(", ", list.Take(3))} … (+{list.Count - 3})";
    }
}
