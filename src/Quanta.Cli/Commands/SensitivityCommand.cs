using System.CommandLine;
using Quanta.Analysis;
using Quanta.Cli.Output;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Commands;

/// <summary>`quanta sensitivity MODEL --calib DATA --data DATA`: rank layers by the output error their quantization causes.</summary>
static class SensitivityCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var calib = new Option<string>("--calib") { Description = "Calibration data", Required = true };
        var data = new Option<string>("--data") { Description = "Evaluation data (labels give accuracy too)", Required = true };
        var count = new Option<int?>("--count") { Description = "Evaluate on a seeded subset of N samples (default 1000)" };
        var noInverse = new Option<bool>("--no-inverse") { Description = "Skip the 'all layers but this one' runs (half the time)" };
        var top = new Option<int>("--top") { Description = "Rows shown (all with --json)", DefaultValueFactory = _ => 25 };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var recipe = new RecipeFlags("--recipe");
        var flags = new DataFlags();
        var scoring = new ScoreFlags(outputAlias: true);
        var command = new Command("sensitivity", "Quantize one layer at a time (and all but one) and rank layers by their effect")
            { model, calib, data, count, noInverse, top, threads, json };
        recipe.AddTo(command);
        flags.AddTo(command);
        scoring.AddTo(command);
        command.SetAction(parse =>
        {
            var resolved = recipe.Resolve(parse, flags);
            var input = Model.Load(parse.GetValue(model)!);
            var calibData = flags.Open(parse, parse.GetValue(calib)!, resolved.CalibCount, "--calib");
            var evalData = flags.Open(parse, parse.GetValue(data)!, parse.GetValue(count) ?? 1000, "--count");
            var runtime = new RuntimeOptions(parse.GetValue(threads));
            var result = ProgressDisplay.Run(p =>
            {
                var calibrated = CalibratedModel.Calibrate(input, calibData, resolved, runtime, p);
                var reference = ReferenceRun.Of(calibrated.Prepared, evalData, scoring.Options(parse, flags.BatchSize(parse)), runtime, p);
                return SensitivityAnalyzer.Analyze(calibrated, resolved, reference, new SensitivityOptions(!parse.GetValue(noInverse)), p);
            });
            if (parse.GetValue(json)) Printer.Json(new { model = input.Source, recipe = resolved.Describe(), result });
            else Print(result, parse.GetValue(top));
            return 0;
        });
        return command;
    }

    static void Print(SensitivityResult r, int top)
    {
        var table = Printer.Table("rank", "layer", "op", "share of noise", "only this: SQNR dB", "top-1", "all but this: SQNR dB", "top-1");
        int rank = 0;
        foreach (var l in r.Layers.Take(Math.Max(1, top)))
            table.AddCells((++rank).ToString(), l.Layer, l.OpType, Printer.Percent(l.NoiseShare), $"{l.OnlySqnrDb:0.00}", Top1(l.OnlyTop1),
                l.AllButSqnrDb is { } a ? $"{a:0.00}" : "-", Top1(l.AllButTop1));
        var f = r.FullyQuantized;
        table.Caption = new TableTitle(Markup.Escape(
            $"{r.Layers.Count} layers on {r.Samples} samples; fully quantized: output SQNR {f.SqnrDb:0.00} dB, top-1 {Top1(f.QuantizedTop1)} (float {Top1(r.FloatTop1)})"));
        Printer.Stdout.Write(table);
    }

    static string Top1(double? v) => v is { } x ? $"{x:0.0000}" : "-";
}
