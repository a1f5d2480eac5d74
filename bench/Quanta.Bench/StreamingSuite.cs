using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Quanta.Onnx;
using Quanta.Runtime;

namespace Quanta.Bench;

/// <summary>
/// Peak memory and throughput of `quanta quantize --mode weight-only` on generated decoders of
/// growing size: each model is written to --dir, quantized by the CLI in its own process (peak
/// RSS sampled from /proc/PID/status, VmHWM), the output loaded and run once in ONNX Runtime,
/// and everything deleted before the next size.
/// Usage: stream [--dir DIR] [--cli artifacts/cli/Quanta.Cli.dll] [--algorithm rtn] [--calib FILE.txt --calib-count N] [--runs R] [--keep] [SIZE[:f16|:bf16]…]
/// (GPTQ needs --calib: text as byte-token windows, e.g. /usr/share/common-licenses/GPL-3 copied to a .txt).
/// with SIZE in GB of weights (default: 1 4.8 1:f16). On a shared machine the wall time mostly
/// measures the queue for the CPU; the CPU-time column is what the work itself costs.
/// --runs R quantizes each model R times and reports the median wall and CPU time (and the largest
/// peak); --keep leaves the generated models in --dir (named by size and type) and reuses them next
/// time, since writing a multi-GB model takes longer than quantizing it.
/// </summary>
static class StreamingSuite
{
    public static int Run(BenchArgs a)
    {
        string dir = "/work/tmp-stream", cli = "artifacts/cli/Quanta.Cli.dll", algorithm = "rtn";
        string? calib = null, calibCount = null;
        int runs = 1;
        bool keep = false;
        var sizes = new List<string>();
        for (int i = 0; i < a.Rest.Length; i++)
        {
            switch (a.Rest[i])
            {
                case "--dir": dir = a.Rest[++i]; break;
                case "--cli": cli = a.Rest[++i]; break;
                case "--algorithm": algorithm = a.Rest[++i]; break;
                case "--calib": calib = a.Rest[++i]; break;
                case "--calib-count": calibCount = a.Rest[++i]; break;
                case "--runs": runs = int.Parse(a.Rest[++i], CultureInfo.InvariantCulture); break;
                case "--keep": keep = true; break;
                default: sizes.Add(a.Rest[i]); break;
            }
        }
        if (sizes.Count == 0) sizes = ["1", "4.8", "1:f16"];
        Directory.CreateDirectory(dir);
        Console.WriteLine($"Streaming weight-only ({algorithm}, 4-bit, block 32, MatMulNBits) on generated decoders (d = 2048, ff = 5632, vocab 32000). {Hardware.Detect().Describe()}");
        if (runs > 1) Console.WriteLine($"Each model quantized {runs} times: median wall and CPU time, largest peak RSS.");
        Console.WriteLine();
        Console.WriteLine("| model | weights (GB) | largest tensor (MB) | peak RSS (GB) | bound 1 GB + 3× largest (GB) | wall (s) | CPU (s) | MB/s of weights, wall | MB/s at 2 full cores (weights ÷ CPU s/2) | output (GB) | ORT loads and runs |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var size in sizes)
        {
            bool f16 = size.EndsWith(":f16", StringComparison.Ordinal), bf16 = size.EndsWith(":bf16", StringComparison.Ordinal), half = f16 || bf16;
            double gb = double.Parse(size.Split(':')[0], CultureInfo.InvariantCulture);
            int type = f16 ? DataTypes.Float16 : bf16 ? DataTypes.BFloat16 : DataTypes.Float, bytesPer = half ? 2 : 4;
            string typeName = f16 ? "float16" : bf16 ? "bfloat16" : "float32";
            var shape = DecoderShape.ForBytes((long)(gb * 1e9), bytesPer);
            string input = Path.Combine(dir, keep ? $"decoder-{shape.Blocks}x{shape.Hidden}-{typeName}.onnx" : "decoder.onnx"), output = Path.Combine(dir, "decoder-int4.onnx");
            try
            {
                if (keep && File.Exists(input) && File.Exists(input + ".data")) Log($"reusing {input}");
                else
                {
                    Log($"generating {shape} ({typeName})");
                    DecoderModel.Write(input, shape, type);
                }
                long weights = new FileInfo(input + ".data").Length;
                long largest = (long)shape.Vocab * shape.Hidden * bytesPer;
                var measured = new List<(long Peak, double Seconds, double Cpu)>();
                for (int r = 0; r < runs; r++)
                {
                    measured.Add(Quantize(cli, input, output, algorithm, calib, calibCount));
                    Log($"run {r + 1}/{runs}: peak {measured[^1].Peak / 1e9:0.00} GB, wall {measured[^1].Seconds:0.0} s, CPU {measured[^1].Cpu:0.0} s");
                }
                long peak = measured.Max(m => m.Peak);
                double seconds = Median(measured.Select(m => m.Seconds)), cpu = Median(measured.Select(m => m.Cpu));
                long outBytes = new FileInfo(output).Length + (File.Exists(output + ".data") ? new FileInfo(output + ".data").Length : 0);
                string ort = RunsInOrt(output) ? "yes" : "no";
                Console.WriteLine($"| {shape.Blocks} blocks, {typeName} | {weights / 1e9:0.00} | {largest / 1e6:0} | {peak / 1e9:0.00} | {(1e9 + 3.0 * largest) / 1e9:0.00} | {seconds:0.0} | {cpu:0.0} | {weights / 1e6 / seconds:0} | {weights / 1e6 / (cpu / 2):0} | {outBytes / 1e9:0.00} | {ort} |");
            }
            finally
            {
                foreach (var f in keep ? [output, output + ".data"] : new[] { input, input + ".data", output, output + ".data" }) File.Delete(f);
            }
        }
        return 0;
    }

    static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>
    /// Runs the CLI in its own process under /usr/bin/time, whose figures come from the kernel's
    /// rusage: peak RSS (ru_maxrss, what /proc's VmHWM shows), wall time and CPU time.
    /// </summary>
    static (long PeakBytes, double Seconds, double CpuSeconds) Quantize(string cli, string input, string output, string algorithm, string? calib, string? calibCount)
    {
        string report = Path.GetTempFileName();
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var s in new[] { "-o", report, "-f", "%e %U %S %M", "dotnet", cli, "quantize", input, "-o", output,
                     "--mode", "weight-only", "--bits", "4", "--block", "32", "--algorithm", algorithm, "--json" })
            start.ArgumentList.Add(s);
        if (calib is not null) foreach (var s in new[] { "--calib", calib }) start.ArgumentList.Add(s);
        if (calibCount is not null) foreach (var s in new[] { "--calib-count", calibCount }) start.ArgumentList.Add(s);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"quantize failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
        var f = File.ReadAllLines(report).Last().Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        File.Delete(report);
        return ((long)(f[3] * 1024), f[0], f[1] + f[2]);
    }

    /// <summary>Loads the quantized model from its file (external data and all) and runs eight tokens.</summary>
    static bool RunsInOrt(string path)
    {
        using var session = new InferenceSession(path);
        long[] ids = [1, 17, 42, 99, 3, 250, 7, 511];
        using var tensor = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["input_ids"], [tensor], ["logits"]);
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        Log($"ORT ran {path}: logits [{string.Join(",", shape)}], process peak RSS {ProcessMemory.PeakRssBytes() / 1e9:0.00} GB");
        return shape.Length == 3 && shape[2] == 32000;
    }

    static void Log(string s) => Console.Error.WriteLine(s);
}
