using Quanta.IR;
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
    public static ModeSummary Of(ModeResult r, Model input, string output) => new(
        input.Source, output, r.Mode, r.Recipe,
        input.FileBytes, SummaryTables.ModelBytes(output),
        r.ConvertedNodes,
        r.ConvertedByOpType.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value),
        r.KeptFloat, r.Notes, r.TotalSeconds);

    public static void Print(ModeSummary s)
    {
        var console = Printer.Stdout;
        SummaryTables.Nodes(console, "converted", s.ConvertedByOpType, s.KeptFloat,
            $"{s.ConvertedNodes} nodes converted ({s.Mode}), {s.KeptFloat.Count} kept float");
        SummaryTables.Size(console, s.InputBytes, $"{s.Mode} model", s.OutputBytes);
        foreach (var note in s.Notes) console.WriteLine(note);
        console.WriteLine(s.Recipe);
        console.WriteLine($"total {s.TotalSeconds:0.0} s; wrote {s.Output}");
    }
}
