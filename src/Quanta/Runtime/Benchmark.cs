using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Quanta.IR;

namespace Quanta.Runtime;

/// <summary>
/// Latency and throughput of a model in ONNX Runtime, measured the way a plain ONNX Runtime
/// loop would: one session, one pre-built input, <c>Run</c> in a tight loop. Nothing of
/// Quanta's sits inside the timed region.
/// </summary>
public static class Benchmark
{
    public static BenchResult Run(Model model, long modelBytes, BenchOptions options, IProgress<WorkProgress>? progress = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        using var runner = new ModelRunner(model, new RuntimeOptions(options.Threads));
        var latencies = Measure(runner, 1, options.Warmup, options.Runs, options.MinSeconds, "latency (batch 1)", progress);
        var batchTimes = options.Batch == 1 ? latencies
            : Measure(runner, options.Batch, Math.Max(2, options.Warmup / 5), Math.Max(5, options.Runs / 10), options.MinSeconds,
                $"throughput (batch {options.Batch})", progress);
        Array.Sort(latencies);
        Array.Sort(batchTimes);
        double batchMedian = Percentile(batchTimes, 50);
        return new BenchResult(
            Percentile(latencies, 50), Percentile(latencies, 90), Percentile(latencies, 99), latencies.Average(), latencies.Length,
            options.Batch, batchMedian, batchTimes.Length, options.Batch / (batchMedian / 1000.0),
            options.Threads == 0 ? Environment.ProcessorCount : options.Threads,
            modelBytes, ProcessMemory.PeakRssBytes(), Hardware.Detect().Describe());
    }

    /// <summary>Milliseconds per run, at least <paramref name="runs"/> runs and <paramref name="minSeconds"/> of timing.</summary>
    static double[] Measure(ModelRunner runner, int batch, int warmup, int runs, double minSeconds, string task, IProgress<WorkProgress>? progress)
    {
        var shape = InputShape(runner, batch);
        var data = RandomInput(shape, seed: 0);
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        var session = runner.Session;
        string[] inputNames = [runner.InputName];
        OrtValue[] inputs = [input];
        var outputNames = runner.OutputNames.ToArray();

        for (int i = 0; i < warmup; i++) session.Run(runOptions, inputNames, inputs, outputNames).Dispose();

        var times = new List<double>(runs);
        var total = Stopwatch.StartNew();
        while (times.Count < runs || total.Elapsed.TotalSeconds < minSeconds)
        {
            long start = Stopwatch.GetTimestamp();
            session.Run(runOptions, inputNames, inputs, outputNames).Dispose();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (times.Count % 10 == 0) progress?.Report(new WorkProgress(task, Math.Min(times.Count, runs), runs));
            if (times.Count >= 100 * runs) break;
        }
        progress?.Report(new WorkProgress(task, runs, runs));
        return times.ToArray();
    }

    static long[] InputShape(ModelRunner runner, int batch)
    {
        var declared = runner.InputShape;
        if (declared.Length == 0) throw QuantaException.BadInput($"input '{runner.InputName}' has no declared shape; cannot build a benchmark input");
        var shape = (long[])declared.Clone();
        shape[0] = batch;
        for (int i = 1; i < shape.Length; i++)
            if (shape[i] < 0)
                throw QuantaException.BadInput($"input '{runner.InputName}' has a symbolic dimension {i}; benchmark needs a static shape apart from the batch");
        return shape;
    }

    static float[] RandomInput(long[] shape, int seed)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        var random = new Random(seed);
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return 0;
        int rank = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
