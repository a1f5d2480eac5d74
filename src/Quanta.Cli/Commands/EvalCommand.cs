using System.CommandLine;
using Quanta.Analysis;
using Quanta.Cli.Output;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Commands;

/// <summary>
/// `quanta eval MODEL --data DATA`: top-1/top-5 accuracy, per class in JSON; with `--reference FLOAT`
/// (or a label-free `--metric`), how closely MODEL follows the float model on any data;
/// `--metric perplexity --text FILE` for language models.
/// </summary>
static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var data = new Option<string?>("--data") { Description = "Data: DIR:test (IDX), a folder of class folders, .npy, .npz (keys = input names) or a folder of .npz" };
        var reference = new Option<string?>("--reference") { Description = "The float model to score MODEL against (label-free: agreement, cosine, sqnr)" };
        var scoring = new ScoreFlags(outputAlias: true, perplexity: true);
        var perplexity = new PerplexityOptions();
        var count = new Option<int?>("--count") { Description = "Evaluate a seeded subset of N samples" };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var flags = new DataFlags();
        var command = new Command("eval", "Measure top-1 / top-5 accuracy on labelled data, fidelity to a float model on any data, or a language model's perplexity on text") { model, data, count, reference, threads, json };
        flags.AddTo(command);
        scoring.AddTo(command);
        perplexity.AddTo(command);
        command.SetAction(parse =>
        {
            if (scoring.IsPerplexity(parse)) return perplexity.Run(parse, parse.GetValue(model)!, parse.GetValue(count), flags.BatchSize(parse), parse.GetValue(threads), parse.GetValue(json));
            if (parse.GetValue(data) is null) throw QuantaException.BadInput("--data: required (or --metric perplexity --text FILE for a language model)");
            var m = Model.Load(parse.GetValue(model)!);
            var dataset = flags.Open(parse, parse.GetValue(data)!, parse.GetValue(count), "--count");
            var metric = scoring.Metric(parse);
            if (parse.GetValue(reference) is { } referencePath)
                return Fidelity(Model.Load(referencePath), m, dataset, scoring.Options(parse, flags.BatchSize(parse)), new RuntimeOptions(parse.GetValue(threads)), parse.GetValue(json));
            if (metric is not (null or Metric.Top1))
                throw QuantaException.BadInput($"--metric {OptionNames.Of(metric.Value)}: compares with a float model; give it with --reference FLOAT");
            var result = ProgressDisplay.Run(p => Evaluator.Evaluate(m, dataset, new RuntimeOptions(parse.GetValue(threads)), flags.BatchSize(parse), p));
            if (parse.GetValue(json))
                Printer.Json(new
                {
                    model = m.Source,
                    data = dataset.Description,
                    result.Count,
                    result.Samples,
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

    /// <summary>MODEL scored against the float model on the same samples, in the chosen metric.</summary>
    static int Fidelity(Model floatModel, Model model, Data.IDataset data, ScoreOptions options, RuntimeOptions runtime, bool json)
    {
        var (reference, score) = ProgressDisplay.Run(p =>
        {
            var r = ReferenceRun.Of(floatModel, data, options, runtime, p);
            return (r, r.Score(model, p));
        });
        double points = score.Points(reference.Metric);
        if (json)
        {
            Printer.Json(new
            {
                model = model.Source,
                reference = floatModel.Source,
                data = data.Description,
                metric = OptionNames.Of(reference.Metric),
                score = points,
                referenceScore = reference.ReferencePoints,
                output = score,
            });
            return 0;
        }
        var table = Printer.Table("model", "reference", "output", "samples", OptionNames.Of(reference.Metric), "cosine", "SQNR dB", "argmax agreement");
        table.AddCells(Path.GetFileName(model.Source), Path.GetFileName(floatModel.Source), score.Output, score.Samples.ToString(), $"{points:0.00} (float {reference.ReferencePoints:0.00})",
            $"{score.MeanCosine:0.00000}", $"{score.SqnrDb:0.00}", Printer.Percent(score.Top1Agreement));
        Printer.Stdout.Write(table);
        return 0;
    }

    static void Print(string model, string data, EvalResult r)
    {
        var table = Printer.Table("model", "data", "samples", "top-1", "top-5", "time");
        string counted = r.Samples == r.Count ? r.Count.ToString() : $"{r.Samples} ({r.Count} steps)";
        table.AddCells((model), (data), counted, $"{r.Top1:0.0000}", $"{r.Top5:0.0000}",
            $"{r.Seconds:0.00} s ({r.SamplesPerSecond:0} /s)");
        Printer.Stdout.Write(table);
        var perClass = Printer.Table("class", r.Samples == r.Count ? "samples" : "steps", "top-1");
        for (int c = 0; c < r.PerClassCount.Length; c++) perClass.AddCells(c.ToString(), r.PerClassCount[c].ToString(), $"{r.PerClassTop1[c]:0.0000}");
        Printer.Stdout.Write(perClass);
    }
}
