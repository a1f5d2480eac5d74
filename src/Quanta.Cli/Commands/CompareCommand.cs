using System.CommandLine;
using Quanta.Analysis;
using Quanta.Cli.Output;
using Quanta.Cli.Report;
using Quanta.IR;
using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Commands;

/// <summary>`quanta compare FLOAT QUANT --data DATA`: per-tensor error, worst first, and final-output agreement.</summary>
static class CompareCommand
{
    public static Command Create()
    {
        var floatModel = CommonOptions.ModelArgument("FLOAT_MODEL");
        var quantModel = CommonOptions.ModelArgument("QUANT_MODEL");
        var data = new Option<string>("--data") { Description = "Data to run both models on: DIR:test (IDX), a folder of class folders, .npy or .npz", Required = true };
        var count = new Option<int?>("--count") { Description = "Compare on a seeded subset of N samples (default 1000)" };
        var top = new Option<int>("--top") { Description = "Rows of the tensor table (all with --json)", DefaultValueFactory = _ => 25 };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var report = ReportOption.Create();
        var flags = new DataFlags();
        var outputName = ScoreFlags.OutputOption(outputAlias: true);
        var command = new Command("compare", "Compare a quantized model with its float original, tensor by tensor")
            { floatModel, quantModel, data, count, top, threads, json, report };
        flags.AddTo(command);
        command.Options.Add(outputName);
        command.SetAction(parse =>
        {
            var f = Model.Load(parse.GetValue(floatModel)!);
            var q = Model.Load(parse.GetValue(quantModel)!);
            var dataset = flags.Open(parse, parse.GetValue(data)!, parse.GetValue(count) ?? 1000, "--count");
            var options = new CompareOptions(flags.BatchSize(parse), Output: parse.GetValue(outputName));
            var result = ProgressDisplay.Run(p => ModelComparer.Compare(f, q, dataset, options, new RuntimeOptions(parse.GetValue(threads)), p));
            if (parse.GetValue(json))
                Printer.Json(new { floatModel = f.Source, quantizedModel = q.Source, data = dataset.Description, result.Samples, result.Output, result.Tensors, result.Unmatched });
            else Print(result, parse.GetValue(top));
            if (parse.GetValue(report) is { } dir)
                Reports.Compare(f.Source, q.Source, result).Write(dir);
            return 0;
        });
        return command;
    }

    public static void Print(CompareResult r, int top)
    {
        var table = Printer.Table("tensor", "kind", "node", "SQNR dB", "local dB", "cosine", "max |err|", "mean |err|", "clipped");
        foreach (var t in r.Tensors.Take(Math.Max(1, top)))
            table.AddCells(t.Tensor, t.Kind.ToString().ToLowerInvariant(), t.Node, $"{t.SqnrDb:0.00}", $"{t.LocalSqnrDb:0.00}", $"{t.Cosine:0.00000}",
                $"{t.MaxAbsError:G4}", $"{t.MeanAbsError:G4}", Printer.Percent(t.ClippingRatio));
        table.Caption = new TableTitle(Markup.Escape($"{Math.Min(top, r.Tensors.Count)} of {r.Tensors.Count} quantized tensors, worst SQNR first, over {r.Samples} samples"));
        Printer.Stdout.Write(table);
        var o = r.Output;
        var output = Printer.Table("output", "SQNR dB", "cosine", "mean sample cosine", "argmax agreement", "mean KL", "float top-1", "quantized top-1");
        output.AddCells(o.Output, $"{o.SqnrDb:0.00}", $"{o.Cosine:0.00000}", $"{o.MeanCosine:0.00000}", Printer.Percent(o.Top1Agreement), $"{o.MeanKl:G4}",
            o.FloatTop1 is { } ft ? $"{ft:0.0000}" : "-", o.QuantizedTop1 is { } qt ? $"{qt:0.0000}" : "-");
        Printer.Stdout.Write(output);
        if (r.Unmatched.Count > 0) Printer.Note($"no float counterpart for {r.Unmatched.Count} tensors: {string.Join(", ", r.Unmatched.Take(5))}");
    }
}
