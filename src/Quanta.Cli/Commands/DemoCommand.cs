using System.CommandLine;
using System.Reflection;
using Quanta.Cli.Output;
using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Latency;
using Quanta.Quantization;
using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Commands;

/// <summary>
/// `quanta demo`: the embedded end-to-end example. It needs nothing but this tool: the
/// Fashion-MNIST CNN and a sample of the data set (1,000 training images for calibration,
/// 2,000 test images for evaluation) ship inside the assembly.
/// </summary>
static class DemoCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var output = new Option<string?>("--output", "-o") { Description = "Folder to keep the demo's models in (default: a temporary folder)" };
        var command = new Command("demo", "Run the embedded end-to-end example: quantize the Fashion-MNIST CNN and compare it with the float model") { json, output };
        command.Subcommands.Add(DemoDetectCommand.Create());
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output) ?? Path.Combine(Path.GetTempPath(), "quanta-demo");
            Directory.CreateDirectory(folder);
            string modelPath = Extract(folder);
            string data = Path.Combine(folder, "fashion-mnist");
            var test = DataSource.Open(data + ":test", new DataOptions(DemoPreprocessing));
            var calibration = DataSource.Open(data + ":train", new DataOptions(DemoPreprocessing, Count: 512));

            var hardware = Hardware.Detect();
            var recipe = new QuantRecipe().Resolve(hardware);
            Printer.Note($"quantizing the Fashion-MNIST CNN: {recipe.Describe()} (on {hardware.Describe()})");
            var floatModel = Model.Load(modelPath);
            var quantized = ProgressDisplay.Run(p => StaticQuantizer.Quantize(floatModel, calibration, recipe, progress: p));
            // The same placement as `quantize` with no flags (--objective auto: one quick int8-vs-float check at batch 1, 1 thread).
            bool asJson = parse.GetValue(json);
            var placement = QuantizeCommand.Place(floatModel, quantized, new PlacementOptions(), asJson);
            if (placement is not null) quantized = placement.Result;
            string quantizedPath = Path.Combine(folder, "fmnist_cnn.int8.onnx");
            quantized.Model.Save(quantizedPath);
            if (quantized.Auto is { } auto && !asJson) AutoTable.Print(Printer.Stdout, auto);
            if (placement is not null && !asJson) PlacementTable.Print(Printer.Stdout, placement);

            var rows = Measure([("float32", modelPath), ("int8 (static, QDQ)", quantizedPath)], test);
            if (asJson) Printer.Json(new { data = test.Description, rows, placement });
            else
            {
                Print(test.Description, rows);
                if (placement is not null) PlacementTable.SpeedLine(Printer.Stdout, placement);
            }
            return 0;
        });
        return command;
    }

    /// <summary>The reference models' input normalisation: (x − 0.2860) / 0.3530.</summary>
    static Preprocessing DemoPreprocessing => new([0.2860f], [0.3530f]);

    public sealed record DemoRow(string Model, string Path, long Bytes, double Top1, double LatencyP50Ms, double Throughput,
        double LatencySpeedup, double ThroughputSpeedup);

    /// <summary>Accuracy of each model, then their speed measured in turn (three rounds), so the speed-ups hold on a busy machine.</summary>
    static List<DemoRow> Measure(IReadOnlyList<(string Label, string Path)> models, IDataset test)
    {
        var candidates = models.Select(m => new BenchCandidate(m.Label, Model.Load(m.Path), new FileInfo(m.Path).Length)).ToList();
        var (accuracy, speed) = ProgressDisplay.Run(p =>
        {
            var top1 = candidates.Select(c => Evaluator.Evaluate(c.Model, test, progress: p).Top1).ToList();
            var compared = BenchmarkComparison.Run(candidates, new BenchOptions(Batch: 64, Warmup: 10, Runs: 100, MinSeconds: 0.3), rounds: 3, p);
            return (top1, compared);
        });
        return candidates.Select((c, i) => new DemoRow(c.Name, models[i].Path, c.Bytes, accuracy[i], speed[i].LatencyP50Ms, speed[i].Throughput,
            speed[i].LatencySpeedup, speed[i].ThroughputSpeedup)).ToList();
    }

    static void Print(string data, List<DemoRow> rows)
    {
        var table = Printer.Table("model", "top-1", "size", "latency p50 (batch 1)", "throughput (batch 64)");
        var baseline = rows[0];
        foreach (var r in rows)
        {
            bool isBase = r == baseline;
            table.AddCells(r.Model,
                isBase ? $"{r.Top1:0.0000}" : $"{r.Top1:0.0000} ({(r.Top1 - baseline.Top1) * 100:+0.00;-0.00} pt)",
                isBase ? Printer.Bytes(r.Bytes) : $"{Printer.Bytes(r.Bytes)} ({(double)r.Bytes / baseline.Bytes:0.00}×)",
                isBase ? $"{r.LatencyP50Ms:0.000} ms" : $"{r.LatencyP50Ms:0.000} ms ({r.LatencySpeedup:0.00}× faster)",
                isBase ? $"{r.Throughput:0} /s" : $"{r.Throughput:0} /s ({r.ThroughputSpeedup:0.00}×)");
        }
        table.Caption = new TableTitle(Markup.Escape($"Fashion-MNIST CNN on {data}; speed-ups are medians of three rounds in which the models take turns; models in {Path.GetDirectoryName(rows[0].Path)}"));
        Printer.Stdout.Write(table);
    }

    /// <summary>Writes the embedded model and data sample to <paramref name="folder"/>; returns the model's path.</summary>
    static string Extract(string folder)
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("demo/", StringComparison.Ordinal)))
        {
            string target = Path.Combine(folder, name["demo/".Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = assembly.GetManifestResourceStream(name)!;
            if (File.Exists(target) && new FileInfo(target).Length == source.Length) continue;
            using var file = File.Create(target);
            source.CopyTo(file);
        }
        return Path.Combine(folder, "fmnist_cnn.onnx");
    }
}
