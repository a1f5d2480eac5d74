using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Quanta.Calibration;
using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Normalize;

namespace Quanta.Bench;

/// <summary>The benchmark suites. Each prints a Markdown table; timings are medians of --repeat runs.</summary>
static class Suites
{
    static readonly string[] ModelNames = ["fmnist_cnn", "fmnist_resnet20", "fmnist_mobilenetv2", "fmnist_vit"];
    static readonly Preprocessing Fashion = new([0.2860f], [0.3530f]);

    static IDataset Calibration(BenchArgs a, int count = 512) => DataSource.Open(a.Data + ":train", new DataOptions(Fashion, count));
    static IDataset Test(BenchArgs a) => DataSource.Open(a.Data + ":test", new DataOptions(Fashion));
    static Model Load(BenchArgs a, string name) => Model.Load(Path.Combine(a.Models, name + ".onnx"));
    static ResolvedRecipe Recipe(QuantRecipe r) => r.Resolve(Hardware.Detect());
    static double Top1(Model m, BenchArgs a) => Evaluator.Evaluate(m, Test(a)).Top1;
    static void Log(string s) => Console.Error.WriteLine(s);

    static double Median(IEnumerable<double> xs) => BenchmarkComparison.Median(xs);

    static long Bytes(Model m) => m.SerializedBytes();

    /// <summary>Default recipe on every reference model and on its "real-world export" variant: full test split.</summary>
    public static int Accuracy(BenchArgs a)
    {
        Console.WriteLine($"Default recipe ({Recipe(new QuantRecipe()).Describe()}), 512 calibration images, 10,000 test images. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| model | variant | fp32 top-1 | int8 top-1 | drop (points) | size ratio | quantize time (s) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var name in ModelNames)
        {
            var original = Load(a, name);
            double fp32 = Top1(original, a);
            foreach (var (variant, model) in new[] { ("as exported", original), ("real-world export", ExportVariants.RealWorld(original)) })
            {
                var r = StaticQuantizer.Quantize(model, Calibration(a), Recipe(new QuantRecipe()));
                double q = Top1(r.Model, a);
                Console.WriteLine($"| {name} | {variant} | {fp32:0.0000} | {q:0.0000} | {(fp32 - q) * 100:0.00} | {(double)Bytes(r.Model) / Bytes(original):0.00} | {r.TotalSeconds:0.0} |");
                Log($"{name} {variant}: {q:0.0000}");
            }
        }
        return 0;
    }

    /// <summary>Every calibration method on every model: accuracy and time (median of --repeat quantizations).</summary>
    public static int Methods(BenchArgs a)
    {
        string[] methods = ["minmax", "moving-average", "meanstd", "percentile", "entropy", "mse"];
        Console.WriteLine($"512 calibration images, {a.Threads} threads, median of {a.Repeat} runs. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| model | method | top-1 | drop (points) | quantize time (s) | time vs minmax |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var name in a.Rest.Length > 0 ? a.Rest : ModelNames)
        {
            var model = Load(a, name);
            double fp32 = Top1(model, a);
            double minmax = 0;
            foreach (var method in methods)
            {
                QuantizeResult? last = null;
                var times = Enumerable.Range(0, a.Repeat).Select(_ =>
                {
                    last = StaticQuantizer.Quantize(model, Calibration(a), Recipe(new QuantRecipe { Method = OptionNames.Parse<Quanta.Calibration.CalibrationMethod>(method, "calibration method") }), new RuntimeOptions(a.Threads));
                    return last.TotalSeconds;
                }).ToList();
                double t = Median(times);
                if (method == "minmax") minmax = t;
                double q = Top1(last!.Model, a);
                Console.WriteLine($"| {name} | {method} | {q:0.0000} | {(fp32 - q) * 100:0.00} | {t:0.00} | {t / minmax:0.00}× |");
                Log($"{name} {method}: {q:0.0000} in {t:0.00}s");
            }
        }
        return 0;
    }

    /// <summary>
    /// Float vs default-quantized latency and throughput at batch 1 (one request with all threads, and
    /// one request per thread in flight) and at batch 64, compared in interleaved rounds as `quanta bench
    /// A B C` does; and `quanta bench`'s loop vs a plain ONNX Runtime loop.
    /// </summary>
    public static int Speed(BenchArgs a)
    {
        Console.WriteLine($"{a.Threads} threads, {a.Repeat} rounds, formats interleaved within a round; times are medians, speed-ups medians of the rounds' ratios (each benchmark: ≥200 batch-1 runs, ≥20 batch-64 runs, ≥200 served requests, each phase ≥1 s). {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine($"| model | format | p50 batch 1 (ms) | speed-up | batch 1, {a.Threads} in flight (/s) | speed-up | batch 64 (/s) | speed-up | plain ORT loop batch 64 (/s) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        var roundTrips = new List<double>();
        foreach (var name in a.Rest.Length > 0 ? a.Rest : ModelNames)
        {
            var model = Load(a, name);
            var formats = new[]
            {
                ("fp32", model),
                ("int8 QDQ", StaticQuantizer.Quantize(model, Calibration(a), Recipe(new QuantRecipe())).Model),
                ("int8 QOperator", StaticQuantizer.Quantize(model, Calibration(a), Recipe(new QuantRecipe { Format = QuantFormat.QOperator })).Model),
            }.Select(f => new BenchCandidate(f.Item1, f.Item2, Bytes(f.Item2))).ToList();
            var compared = BenchmarkComparison.Run(formats, new BenchOptions(64, a.Threads, Streams: a.Threads), a.Repeat);
            roundTrips.AddRange(compared.SelectMany(c => c.Rounds).Select(r => r.CoreRoundTripNs).Where(double.IsFinite));
            foreach (var (c, format) in compared.Zip(formats))
            {
                double plain = Median(Enumerable.Range(0, a.Repeat).Select(_ => PlainOrtLoop(format.Model, 64, a.Threads)));
                Console.WriteLine($"| {name} | {c.Name} | {c.LatencyP50Ms:0.000} | {c.LatencySpeedup:0.00}× | {c.ServingThroughput:0} | {c.ServingSpeedup:0.00}× | {c.Throughput:0} | {c.ThroughputSpeedup:0.00}× | {plain:0} |");
                Log($"{name} {c.Name}: p50 {c.LatencyP50Ms:0.000} ms, served {c.ServingThroughput:0}/s, batch 64 {c.Throughput:0}/s (plain ORT {plain:0}/s)");
            }
        }
        if (roundTrips.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Core-to-core round trip during the run: median {Median(roundTrips):0} ns, {roundTrips.Min():0}–{roundTrips.Max():0} ns " +
                              $"(above {CoreLatency.FarApartNs:0} ns the cores sit far apart and multi-threaded batch-1 runs slow).");
        }
        return 0;
    }

    /// <summary>The anchor for "no overhead": ONNX Runtime's own API in the simplest loop, samples per second.</summary>
    static double PlainOrtLoop(Model model, int batch, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model.ToBytes(), options);
        var data = new float[batch * 28 * 28];
        new Random(0).NextBytes(new byte[1]);
        for (int i = 0; i < data.Length; i++) data[i] = (i % 97) / 97f - 0.5f;
        var inputs = new Dictionary<string, OrtValue> { ["input"] = OrtValue.CreateTensorValueFromMemory(data, [batch, 1, 28, 28]) };
        using var run = new RunOptions();
        for (int i = 0; i < 4; i++) session.Run(run, inputs, session.OutputNames).Dispose();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 20 || total.Elapsed.TotalSeconds < 1)
        {
            long t = Stopwatch.GetTimestamp();
            session.Run(run, inputs, session.OutputNames).Dispose();
            times.Add(Stopwatch.GetElapsedTime(t).TotalSeconds);
        }
        inputs["input"].Dispose();
        return batch / Median(times);
    }

    /// <summary>Peak memory of calibration with 512 vs 8,192 images, each in its own process.</summary>
    public static int Memory(BenchArgs a)
    {
        Console.WriteLine($"Peak RSS of a whole `quantize` (MobileNetV2, minmax and entropy), one process per run. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| method | images | peak RSS (MiB) | ratio to 512 |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var method in new[] { "minmax", "entropy" })
        {
            double baseline = 0;
            foreach (int count in new[] { 512, 8192 })
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
                start.ArgumentList.Add(typeof(Suites).Assembly.Location);
                foreach (var s in new[] { "memory-child", "--models", a.Models, "--data", a.Data, count.ToString(), method }) start.ArgumentList.Add(s);
                using var p = Process.Start(start)!;
                double mib = double.Parse(p.StandardOutput.ReadToEnd().Trim()) / (1 << 20);
                p.WaitForExit();
                if (count == 512) baseline = mib;
                Console.WriteLine($"| {method} | {count} | {mib:0} | {mib / baseline:0.00}× |");
            }
        }
        return 0;
    }

    public static int MemoryChild(BenchArgs a)
    {
        int count = int.Parse(a.Rest[0]);
        var recipe = Recipe(new QuantRecipe { Method = OptionNames.Parse<Quanta.Calibration.CalibrationMethod>(a.Rest[1], "calibration method"), CalibCount = count });
        StaticQuantizer.Quantize(Load(a, "fmnist_mobilenetv2"), Calibration(a, count), recipe);
        Console.WriteLine(ProcessMemory.PeakRssBytes());
        return 0;
    }

    /// <summary>4-bit weights (W4A8) per channel: accuracy and size.</summary>
    public static int Int4(BenchArgs a)
    {
        Console.WriteLine($"W4A8: int4 weights (per-channel unless stated), uint8 activations, 512 calibration images, 10,000 test images. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| model | recipe | fp32 top-1 | W4A8 top-1 | drop (points) | size ratio |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var name in a.Rest.Length > 0 ? a.Rest : ModelNames)
        {
            var model = Load(a, name);
            double fp32 = Top1(model, a);
            foreach (var (label, recipe) in new[]
            {
                ("int4 per-channel minmax", new QuantRecipe { WeightType = QuantType.Int4 }),
                ("int4 per-channel mse", new QuantRecipe { WeightType = QuantType.Int4, Method = Quanta.Calibration.CalibrationMethod.Mse }),
                ("int4 per-tensor minmax", new QuantRecipe { WeightType = QuantType.Int4, PerChannel = false }),
            })
            {
                var r = StaticQuantizer.Quantize(model, Calibration(a), Recipe(recipe));
                double q = Top1(r.Model, a);
                Console.WriteLine($"| {name} | {label} | {fp32:0.0000} | {q:0.0000} | {(fp32 - q) * 100:0.00} | {(double)Bytes(r.Model) / Bytes(model):0.00} |");
                Log($"{name} {label}: {q:0.0000}");
            }
        }
        return 0;
    }

    /// <summary>Writes the real-world export variants of the reference models (for trying them with the CLI).</summary>
    public static int Variants(BenchArgs a)
    {
        string folder = a.Rest.Length > 0 ? a.Rest[0] : "out/variants";
        Directory.CreateDirectory(folder);
        foreach (var name in ModelNames)
        {
            string path = Path.Combine(folder, name + ".realworld.onnx");
            ExportVariants.RealWorld(Load(a, name)).Save(path);
            Console.WriteLine(path);
        }
        return 0;
    }
}
