using Spectre.Console;
using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Cli.Commands;

/// <summary>`quanta eval MODEL --data DATA`: top-1/top-5 accuracy, per class in JSON; `--metric perplexity --text FILE` for language models.</summary>
static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var data = new Option<string?>("--data") { Description = "Labelled data: DIR:test (IDX), a folder of class folders, or .npz (top1)" };
        var perplexity = new PerplexityOptions();
        var count = new Option<int?>("--count") { Description = "Evaluate a seeded subset of N samples" };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var flags = new DataFlags();
        var command = new Command("eval", "Measure top-1 / top-5 accuracy on labelled data, or a language model's perplexity on text") { model, data, count, threads, json };
        flags.AddTo(command);
        perplexity.AddTo(command);
        command.SetAction(parse =>
        {
            if (perplexity.Selected(parse)) return perplexity.Run(parse, parse.GetValue(model)!, parse.GetValue(count), flags.BatchSize(parse), parse.GetValue(threads), parse.GetValue(json));
            if (parse.GetValue(data) is null) throw QuantaException.BadInput("--data: required for --metric top1 (labelled data)");
            var m = Model.Load(parse.GetValue(model)!);
            var dataset = flags.Open(parse, parse.GetValue(data)!, parse.GetValue(count), "--count");
            var result = ProgressDisplay.Run(p => Evaluator.Evaluate(m, dataset, new RuntimeOptions(parse.GetValue(threads)), flags.BatchSize(parse), p));
            if (parse.GetValue(json))
                Printer.Json(new
                {
                    model = m.Source,
                    data = dataset.Description,
                    result.Count,
                    result.Top1,
                    result.Top5,
                    perClass = result.PerClassCount.Select((n, c) => new { label = c, count = n, top1 = result.PerClassTop1[c] }),
                    result.Seconds,
                    result.SamplesPerSecond,
                });
            else Print(m.Source, dataset.Description, result);
            return 0;
        });
        return command;
    }

    static void Print(string model, string data, EvalResult r)
    {
        var table = Printer.Table("model", "data", "samples", "top-1", "top-5", "time");
        table.AddCells((model), (data), r.Count.ToString(), $"{r.Top1:0.0000}", $"{r.Top5:0.0000}",
            $"{r.Seconds:0.00} s ({r.SamplesPerSecond:0} /s)");
        Printer.Stdout.Write(table);
        var perClass = Printer.Table("class", "samples", "top-1");
        for (int c = 0; c < r.PerClassCount.Length; c++) perClass.AddCells(c.ToString(), r.PerClassCount[c].ToString(), $"{r.PerClassTop1[c]:0.0000}");
        Printer.Stdout.Write(perClass);
    }
}
