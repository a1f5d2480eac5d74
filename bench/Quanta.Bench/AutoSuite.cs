using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Bench;

/// <summary>
/// `auto` suite (issue 11): every single calibration method and `--method auto` on each reference model,
/// top-1 on the full test split and whole-quantize time, the methods interleaved within each round so a
/// busy machine slows them alike; then the ViT with SmoothQuant. Times are medians of --repeat rounds;
/// "time vs minmax" is the median of each round's ratio to that round's minmax run.
/// </summary>
static class AutoSuite
{
    internal static readonly string[] ModelNames = ["fmnist_cnn", "fmnist_resnet20", "fmnist_mobilenetv2", "fmnist_vit"];
    internal static readonly string[] Methods = ["minmax", "percentile", "entropy", "mse", "auto"];
    internal static readonly Preprocessing Fashion = new([0.2860f], [0.3530f]);

    static IDataset Calibration(BenchArgs a) => DataSource.Open(a.Data + ":train", new DataOptions(Fashion, 512));
    static IDataset Test(BenchArgs a) => DataSource.Open(a.Data + ":test", new DataOptions(Fashion));

    public static int Run(BenchArgs a) => Run(a, Methods);

    /// <summary>
    /// `auto-default` suite: only minmax and auto are timed (interleaved rounds: the cost ratio the default
    /// must keep under 2×); percentile, entropy and mse are quantized once for their top-1, so auto is
    /// still compared with the best single method.
    /// </summary>
    public static int Default(BenchArgs a) => Run(a, ["minmax", "auto"]);

    static int Run(BenchArgs a, string[] timed)
    {
        Console.WriteLine($"512 calibration images, 10,000 test images, {a.Threads} threads, median of {a.Repeat} interleaved rounds of {string.Join(" and ", timed)}. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| model | method | top-1 | drop (points) | vs best single (points) | quantize time (s) | time vs minmax | auto's choice |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var name in a.Rest.Length > 0 ? a.Rest : ModelNames)
        {
            var model = Model.Load(Path.Combine(a.Models, name + ".onnx"));
            double fp32 = Evaluator.Evaluate(model, Test(a)).Top1;
            var times = Methods.ToDictionary(m => m, _ => new List<double>());
            var last = new Dictionary<string, QuantizeResult>();
            QuantizeResult Quantize(string m) =>
                StaticQuantizer.Quantize(model, Calibration(a), new QuantRecipe { Method = OptionNames.Parse<Quanta.Calibration.CalibrationMethod>(m, "calibration method") }.Resolve(Hardware.Detect()), new RuntimeOptions(a.Threads));
            for (int round = 0; round < a.Repeat; round++)
                foreach (var m in round % 2 == 0 ? timed : timed.Reverse())
                {
                    var r = Quantize(m);
                    times[m].Add(r.TotalSeconds);
                    last[m] = r;
                    Console.Error.WriteLine($"{name} {m} round {round}: {r.TotalSeconds:0.00}s");
                }
            foreach (var m in Methods.Except(timed)) last[m] = Quantize(m);
            var top1 = Methods.ToDictionary(m => m, m => Evaluator.Evaluate(last[m].Model, Test(a)).Top1);
            double bestSingle = Methods.Where(m => m != "auto").Max(m => top1[m]);
            foreach (var m in Methods)
            {
                // Each round's ratio against the minmax run of the same round, then the median: a busy machine slows both sides alike.
                string time = times[m].Count > 0
                    ? $"{BenchmarkComparison.Median(times[m]):0.00} | {BenchmarkComparison.Median(times[m].Select((t, i) => t / times["minmax"][i]).ToList()):0.00}×"
                    : "(not timed) | ";
                string choice = last[m].Auto is { } c ? $"{OptionNames.Of(c.Method)}{(c.Tensors.Count > 0 ? $" + {c.Tensors.Count} tensor(s) changed" : "")}" : "";
                Console.WriteLine($"| {name} | {m} | {top1[m]:0.0000} | {(fp32 - top1[m]) * 100:0.00} | {(top1[m] - bestSingle) * 100:+0.00;-0.00} | {time} | {choice} |");
                Console.Error.WriteLine($"{name} {m}: {top1[m]:0.0000} {choice}");
            }
        }
        return 0;
    }

    /// <summary>The ViT at W8A8 static (per-tensor activations) without and with SmoothQuant, for each given α.</summary>
    public static int SmoothQuant(BenchArgs a)
    {
        var alphas = a.Rest.Length > 0 ? a.Rest.Select(double.Parse).ToArray() : [0.5];
        var model = Model.Load(Path.Combine(a.Models, "fmnist_vit.onnx"));
        double fp32 = Evaluator.Evaluate(model, Test(a)).Top1;
        Console.WriteLine($"fmnist_vit, W8A8 static QDQ (uint8 per-tensor activations, int8 weights), 512 calibration images, 10,000 test images. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| weights | method | smoothquant α | sites smoothed | top-1 | drop (points) | quantize time (s) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (bool perChannel in new[] { true, false })
            foreach (var method in new[] { "minmax", "auto" })
                foreach (double? alpha in new double?[] { null }.Concat(alphas.Select(x => (double?)x)))
                {
                    var recipe = new QuantRecipe { Method = OptionNames.Parse<Quanta.Calibration.CalibrationMethod>(method, "calibration method"), PerChannel = perChannel, SmoothQuant = alpha }.Resolve(Hardware.Detect());
                    var r = StaticQuantizer.Quantize(model, Calibration(a), recipe, new RuntimeOptions(a.Threads));
                    double q = Evaluator.Evaluate(r.Model, Test(a)).Top1;
                    int sites = r.Preparation.Where(p => p.Pass == "smoothquant").Sum(p => p.Rewrites);
                    Console.WriteLine($"| {(perChannel ? "per-channel" : "per-tensor")} | {method} | {(alpha is { } x ? x.ToString("0.##") : "off")} | {sites} | {q:0.0000} | {(fp32 - q) * 100:0.00} | {r.TotalSeconds:0.0} |");
                    Console.Error.WriteLine($"vit {method} {(perChannel ? "pc" : "pt")} sq={alpha}: {q:0.0000}");
                }
        return 0;
    }
}
