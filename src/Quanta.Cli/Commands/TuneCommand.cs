using System.CommandLine;
using System.Text.Json;
using Quanta.Analysis;
using Quanta.Cli.Output;
using Quanta.Cli.Report;
using Quanta.IR;
using Quanta.Latency;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Commands;

/// <summary>`quanta tune MODEL -o OUT --calib DATA --data DATA --max-drop POINTS`: accuracy-driven mixed precision.</summary>
static class TuneCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var output = new Option<string>("--output", "-o") { Description = "Where to write the chosen model", Required = true };
        var calib = new Option<string>("--calib") { Description = "Calibration data", Required = true };
        var data = new Option<string>("--data") { Description = "Evaluation data (labelled for top-1; any data for agreement, cosine, sqnr); the target is confirmed on all of it", Required = true };
        var count = new Option<int?>("--count") { Description = "Search on a seeded subset of N samples (default 2000), confirm on all of --data" };
        var maxDrop = new Option<double?>("--max-drop") { Description = "Largest accepted drop of the metric, in points (top-1 0.1 = 0.1 %; cosine 0.1 = 0.001; sqnr 0.1 = 0.1 % noise power)" };
        var maxRelDrop = new Option<double?>("--max-rel-drop") { Description = "Largest accepted drop of the metric, in percent of the float model's score" };
        var maxTrials = new Option<int>("--max-trials") { Description = "Candidate models evaluated at most", DefaultValueFactory = _ => 40 };
        var log = new Option<string?>("--log") { Description = "Write the trial log as JSON to this file (default OUT.tune.json)" };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var report = ReportOption.Create();
        var recipe = new RecipeFlags("--start-recipe");
        var flags = new DataFlags();
        var scoring = new ScoreFlags(outputAlias: false);
        var placementFlags = new PlacementFlags(
            "size (default: the smallest model within the target), latency (then the fastest: regions timed int8 vs float at --bench-batch/--bench-threads, " +
            "int8 kept where ≥ 1.02× faster, the result scored again against the target), accuracy (as latency, int8 only where ≥ 1.10× faster), " +
            "auto (as latency when the tuned int8 model is not faster than float)", Objective.Size);
        var command = new Command("tune", "Find the smallest mixed-precision model that keeps accuracy within a target")
            { model, output, calib, data, count, maxDrop, maxRelDrop, maxTrials, log, threads, json, report };
        recipe.AddTo(command);
        flags.AddTo(command);
        scoring.AddTo(command);
        placementFlags.AddTo(command);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetValue(model)!, outputPath = parse.GetValue(output)!;
            if (Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
                throw QuantaException.BadInput("--output: must differ from the input model (inputs are never modified)");
            var options = new TuneOptions(parse.GetValue(maxDrop), parse.GetValue(maxRelDrop), parse.GetValue(maxTrials), BatchSize: flags.BatchSize(parse))
            { Output = scoring.Output(parse), Metric = scoring.Metric(parse) };
            var problems = options.Validate();
            if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
            var placementOptions = placementFlags.Options(parse);
            var start = recipe.Resolve(parse, flags);
            var input = Model.Load(inputPath);
            var calibData = flags.Open(parse, parse.GetValue(calib)!, start.CalibCount, "--calib");
            var full = flags.Open(parse, parse.GetValue(data)!, null, "--count");
            int subset = parse.GetValue(count) ?? 2000;
            var search = subset >= full.Count ? full : flags.Open(parse, parse.GetValue(data)!, subset, "--count");
            bool asJson = parse.GetValue(json);
            if (!asJson) Printer.Note($"start: {start.Describe()}");

            var runtime = new RuntimeOptions(parse.GetValue(threads));
            var result = ProgressDisplay.Run(p => Tuner.Run(input, calibData, search, ReferenceEquals(search, full) ? null : full, start, options, runtime, p));
            var placed = ProgressDisplay.Run(p => LatencyTune.Apply(input, result, full, options, placementOptions, runtime, p));
            (placed?.Chosen ?? result.Best).Model.Save(outputPath);
            string logPath = parse.GetValue(log) ?? outputPath + ".tune.json";
            var summary = Summary(result, placed, inputPath, outputPath);
            File.WriteAllText(logPath, JsonSerializer.Serialize(summary, LogJson));
            if (asJson) Printer.Json(summary);
            else Print(result, placed, inputPath, outputPath, logPath);
            if (parse.GetValue(report) is { } dir)
            {
                var compared = ProgressDisplay.Run(p => ModelComparer.Compare(input, result.Best.Model, search, new CompareOptions(flags.BatchSize(parse), Output: scoring.Output(parse)), runtime, p));
                Reports.Tune(inputPath, outputPath, result, compared).Write(dir);
            }
            if (!result.Met)
                throw new QuantaException($"target {OptionNames.Of(result.Metric)} ≥ {result.Target:0.00} not met within {options.MaxTrials} trials; wrote the best candidate ({result.Chosen.Score:0.00}) to {outputPath}", FailureKind.NotMet);
            return 0;
        });
        return command;
    }

    static readonly JsonSerializerOptions LogJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    static object Summary(TuneResult r, TunedPlacement? placed, string input, string output) => new
    {
        input,
        output,
        r.Met,
        metric = OptionNames.Of(r.Metric),
        r.ReferenceScore,
        r.Target,
        r.SearchSamples,
        r.ConfirmReferenceScore,
        r.ConfirmScore,
        r.ConfirmSamples,
        recipe = r.Best.Recipe.Describe(),
        raisedLayers = r.RaisedLayers,
        nodeOverrides = r.Best.Recipe.Nodes,
        floatBytes = new FileInfo(input).Length,
        bytes = Reports.FileBytes(output),
        chosen = r.Chosen,
        trials = r.Trials,
        ranking = r.Ranking,
        placement = placed?.Placement,
        placedScore = placed?.PlacedScore,
        placedMet = placed?.PlacedMet,
    };

    static void Print(TuneResult r, TunedPlacement? placed, string input, string output, string logPath)
    {
        string metric = OptionNames.Of(r.Metric);
        var trials = Printer.Table("#", "phase", "calibration", "recovery", "precision", "raised", "size", metric, "output SQNR dB", "meets");
        foreach (var t in r.Trials)
            trials.AddCells(t.Index.ToString(), t.Phase, t.Method, Reports.Recovery(t), t.Precision, t.Raised.ToString(), Printer.Bytes(t.Bytes), $"{t.Score:0.00}", $"{t.OutputSqnrDb:0.00}", t.Met ? "yes" : "no");
        trials.Caption = new TableTitle(Markup.Escape($"float {metric} {r.ReferenceScore:0.00} (points) on {r.SearchSamples} search samples; target ≥ {r.Target:0.00}"));
        Printer.Stdout.Write(trials);
        long floatBytes = new FileInfo(input).Length, bytes = Reports.FileBytes(output) ?? 0;
        Printer.Stdout.WriteLine(r.Met
            ? $"met: {r.RaisedLayers.Count} layers at higher precision ({r.Chosen.Precision}), calibration {r.Chosen.Method}; " +
              $"{Printer.Bytes(bytes)} ({(double)bytes / floatBytes:0.00}× float)" +
              (r.ConfirmScore is { } c ? $"; full data {metric} {c:0.00} vs float {r.ConfirmReferenceScore:0.00} ({r.ConfirmSamples} samples)" : "")
            : $"not met: best {metric} {r.Chosen.Score:0.00}");
        if (placed is { } tp)
        {
            PlacementTable.Print(Printer.Stdout, tp.Placement);
            if (tp.PlacedScore is { } score)
                Printer.Stdout.WriteLine(tp.PlacedMet
                    ? $"placed model: {metric} {score:0.00} on all of --data, within the target"
                    : $"placed model: {metric} {score:0.00} below the target {r.Target:0.00}: wrote the tuned model instead");
            if (tp.PlacedMet) PlacementTable.SpeedLine(Printer.Stdout, tp.Placement);
        }
        Printer.Stdout.WriteLine($"wrote {output}; trial log {logPath}");
    }
}
