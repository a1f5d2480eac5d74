using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Bench;

/// <summary>
/// Accuracy recovery (issue 11 items 2–4): one model, several recipes written as short specs
/// joined by '+' — w4 | w8 (weights), a4 | a8 (activations), pt (per-tensor weights), eq (CLE),
/// bc (bias correction), ada or ada=N (AdaRound, N steps), sq=ALPHA (SmoothQuant), method=NAME. Each spec is quantized
/// --repeat times (median time; the model is the same each time, so one top-1).
/// `-- recovery fmnist_resnet20 w4 w4+ada w4+ada+bc`
/// </summary>
static class RecoverySuite
{
    static readonly Preprocessing Fashion = new([0.2860f], [0.3530f]);

    public static int Run(BenchArgs a)
    {
        if (a.Rest.Length < 2) return BenchArgs.Usage();
        string name = a.Rest[0];
        var model = Model.Load(Path.Combine(a.Models, name + ".onnx"));
        var test = DataSource.Open(a.Data + ":test", new DataOptions(Fashion));
        double fp32 = Evaluator.Evaluate(model, test).Top1;
        Console.WriteLine($"{name}: 512 calibration images, 10,000 test images, median of {a.Repeat} quantizations. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| model | recipe | top-1 | vs float (points) | quantize time (s, wall) | CPU time (s, user + sys) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Console.WriteLine($"| {name} | float | {fp32:0.0000} | | | |");
        foreach (var spec in a.Rest.Skip(1))
        {
            var recipe = Parse(spec).Resolve(Hardware.Detect());
            var times = new List<double>();
            var cpu = new List<double>();
            Model? quantized = null;
            for (int r = 0; r < a.Repeat; r++)
            {
                var calibration = DataSource.Open(a.Data + ":train", new DataOptions(Fashion, 512));
                // CPU seconds beside wall seconds: on a shared machine the wall clock mostly measures the other users.
                var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                var result = StaticQuantizer.Quantize(model, calibration, recipe);
                cpu.Add((System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds);
                times.Add(result.TotalSeconds);
                quantized = result.Model;
                if (r == 0 && result.Auto is { } auto) Console.Error.WriteLine($"{name} {spec}: auto: {auto.Describe()}");
            }
            double q = Evaluator.Evaluate(quantized!, test).Top1;
            Console.WriteLine($"| {name} | `{spec}` | {q:0.0000} | {(q - fp32) * 100:+0.00;−0.00} | {BenchmarkComparison.Median(times):0.0} | {BenchmarkComparison.Median(cpu):0.0} |");
            Console.Error.WriteLine($"{name} {spec}: {q:0.0000}");
        }
        return 0;
    }

    static QuantRecipe Parse(string spec)
    {
        var r = new QuantRecipe();
        foreach (var part in spec.Split('+'))
        {
            var (key, value) = part.Split('=') is [var k, var v] ? (k, v) : (part, "");
            r = key switch
            {
                "w4" => r with { WeightType = QuantType.Int4 },
                "w8" => r with { WeightType = QuantType.Int8 },
                "a4" => r with { ActivationType = QuantType.UInt4 },
                "a8" => r with { ActivationType = QuantType.UInt8 },
                "pt" => r with { PerChannel = false },
                "eq" => r with { Equalize = true },
                "bc" => r with { BiasCorrection = true },
                "ada" => r with { AdaRound = true, AdaRoundIters = value.Length > 0 ? int.Parse(value) : r.AdaRoundIters },
                "method" => r with { Method = OptionNames.Parse<Quanta.Calibration.CalibrationMethod>(value, "calibration method") },
                "sq" => r with { SmoothQuant = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown recipe part '{part}' in '{spec}'"),
            };
        }
        return r;
    }
}
