using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Cli.Commands;

/// <summary>
/// `quanta bench MODEL [MODEL...]`: batch-1 latency percentiles, throughput at --batch, serving
/// throughput, size and peak memory; with several models, a comparison in interleaved rounds.
/// </summary>
static class BenchCommand
{
    public static Command Create()
    {
        var models = new Argument<string[]>("MODEL") { Description = "ONNX model files; with more than one, they are compared (speed-ups over the first)", Arity = ArgumentArity.OneOrMore };
        var rounds = new Option<int>("--rounds") { Description = "With several models: rounds in which every model is benchmarked in turn", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch") { Description = "Batch size for the throughput measurement", DefaultValueFactory = _ => 64 };
        var threads = CommonOptions.Threads();
        var runs = new Option<int>("--runs") { Description = "Timed batch-1 runs (throughput uses a tenth, at least 5)", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up runs", DefaultValueFactory = _ => 20 };
        var streams = new Option<int>("--streams")
        {
            Description = "Also measure serving throughput: this many concurrent batch-1 requests on one session, each on threads/streams intra-op threads (1 = one request at a time)",
            DefaultValueFactory = _ => 1,
        };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "Shape of an input with symbolic dimensions besides the batch, e.g. --shape input_ids=1x128 (repeat per input)",
            AllowMultipleArgumentsPerToken = false,
        };
        var profile = new Option<bool>("--profile") { Description = "Also profile each model with ONNX Runtime's profiler: kernel time per op type, models side by side" };
        var json = CommonOptions.Json();
        var command = new Command("bench", "Measure latency (p50/p90/p99), throughput, model size and peak memory in ONNX Runtime; compare models")
            { models, batch, threads, runs, warmup, streams, rounds, shapes, profile, json };
        var report = Report.ReportOption.AddTo(command);
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(models)!;
            // With several MODEL arguments the parser hands a mistyped option over as one more model.
            if (paths.FirstOrDefault(p => p.StartsWith('-') && !File.Exists(p)) is { } unknown)
                throw QuantaException.BadInput($"unknown option '{unknown}' (see: quanta bench --help)");
            var options = new BenchOptions(parse.GetValue(batch), parse.GetValue(threads), parse.GetValue(warmup), parse.GetValue(runs), Streams: parse.GetValue(streams))
            { Shapes = ParseShapes(parse.GetValue(shapes) ?? []) };
            var problems = options.Validate();
            if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
            var profiles = parse.GetValue(profile) ? Profiles(paths, options) : null;
            if (paths.Length > 1) return Compare(paths, options, parse.GetValue(rounds), parse.GetValue(json), parse.GetValue(report), profiles);

            string path = paths[0];
            var m = Model.Load(path);
            var result = ProgressDisplay.Run(p => Benchmark.Run(m, m.FileBytes, options, p));
            if (parse.GetValue(json)) Printer.Json(new { model = path, result, profile = profiles?[0] });
            else
            {
                BenchTables.Print(path, result);
                if (profiles is not null) ProfileTable.Print(paths, profiles, options);
            }
            if (parse.GetValue(report) is { } dir) Report.Reports.Bench(path, result).Write(dir);
            return 0;
        });
        return command;
    }

    /// <summary>"name=1x128" → (name, [1, 128]).</summary>
    static Dictionary<string, long[]> ParseShapes(string[] values)
    {
        var shapes = new Dictionary<string, long[]>();
        foreach (var v in values)
        {
            int eq = v.LastIndexOf('=');
            var dims = eq <= 0 ? null : v[(eq + 1)..].Split('x').Select(d => long.TryParse(d, out var n) && n > 0 ? n : -1).ToArray();
            if (dims is null || dims.Length == 0 || dims.Any(d => d < 0))
                throw QuantaException.BadInput($"--shape: expected NAME=DxDx... such as input_ids=1x128, got '{v}'");
            shapes[v[..eq]] = dims;
        }
        return shapes;
    }

    /// <summary>Each model's kernel time per op type at batch 1 (the latency question), on the threads asked for.</summary>
    static List<List<OpTime>> Profiles(string[] paths, BenchOptions options) =>
        paths.Select(p => ProgressDisplay.Run(_ => OpProfile.Measure(Model.Load(p), options.Threads, 1, options.Shapes))).ToList();

    static int Compare(string[] paths, BenchOptions options, int rounds, bool json, string? reportDir, List<List<OpTime>>? profiles)
    {
        var candidates = paths.Select(p =>
        {
            var m = Model.Load(p);
            return new BenchCandidate(p, m, m.FileBytes);
        }).ToList();
        var compared = ProgressDisplay.Run(p => BenchmarkComparison.Run(candidates, options, rounds, p));
        var hardware = compared[0].Rounds[0].Hardware;
        if (json) Printer.Json(new { baseline = paths[0], rounds, streams = options.Streams, hardware, models = compared, profiles });
        else
        {
            BenchTables.Print(compared, options, rounds);
            if (profiles is not null) ProfileTable.Print(paths, profiles, options);
        }
        if (reportDir is not null) Report.Reports.BenchComparison(compared, options, rounds).Write(reportDir);
        return 0;
    }
}
