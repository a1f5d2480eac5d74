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
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        double roundTrip = threads > 1 ? CoreLatency.RoundTripNs() : double.NaN;
        double[] latencies, batchTimes;
        int batch;
        using (var runner = new ModelRunner(model, new RuntimeOptions(options.Threads)))
        {
            // A model exported with a fixed batch runs at that batch only.
            int single = BenchInputs.EffectiveBatch(runner.Inputs, 1);
            batch = BenchInputs.EffectiveBatch(runner.Inputs, options.Batch);
            latencies = Measure(runner, single, options, options.Warmup, options.Runs, $"latency (batch {single})", progress);
            batchTimes = batch == single ? latencies
                : Measure(runner, batch, options, Math.Max(2, options.Warmup / 5), Math.Max(5, options.Runs / 10),
                    $"throughput (batch {batch})", progress);
        }
        // Read before the serving phase opens its own session, so the figure is one session's.
        long peakRss = ProcessMemory.PeakRssBytes();
        double serving = options.Streams == 1 ? 1000.0 / latencies.Average()
            : Serve(model, options, Math.Max(1, threads / options.Streams), progress);
        if (threads > 1) roundTrip = Math.Max(roundTrip, CoreLatency.RoundTripNs());
        Array.Sort(latencies);
        Array.Sort(batchTimes);
        double batchMedian = Percentile(batchTimes, 50);
        return new BenchResult(
            Percentile(latencies, 50), Percentile(latencies, 90), Percentile(latencies, 99), latencies.Average(), latencies.Length,
            batch, batchMedian, batchTimes.Length, batch / (batchMedian / 1000.0),
            threads, options.Streams, serving, modelBytes, peakRss, Hardware.Detect().Describe(), roundTrip);
    }

    /// <summary>
    /// Batch-1 requests per second with <see cref="BenchOptions.Streams"/> requests in flight on one
    /// session (ONNX Runtime sessions take concurrent <c>Run</c> calls): how a server answers
    /// single-sample requests when it has more cores than one request can use well.
    /// </summary>
    static double Serve(Model model, BenchOptions options, int threadsPerRequest, IProgress<WorkProgress>? progress)
    {
        using var runner = new ModelRunner(model, new RuntimeOptions(threadsPerRequest));
        long completed = 0;
        bool stop = false;
        using var ready = new Barrier(options.Streams + 1);
        var workers = Enumerable.Range(0, options.Streams).Select(stream => new Thread(() =>
        {
            using var request = new Request(runner, BenchInputs.EffectiveBatch(runner.Inputs, 1), options.Shapes, seed: stream);
            for (int i = 0; i < options.Warmup; i++) request.Run();
            ready.SignalAndWait();
            while (!Volatile.Read(ref stop))
            {
                request.Run();
                Interlocked.Increment(ref completed);
            }
        })
        { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        ready.SignalAndWait();
        var clock = Stopwatch.StartNew();
        string task = $"serving (batch 1, {options.Streams} streams)";
        while (Interlocked.Read(ref completed) < options.Runs || clock.Elapsed.TotalSeconds < options.MinSeconds)
        {
            Thread.Sleep(10);
            progress?.Report(new WorkProgress(task, Math.Min(Interlocked.Read(ref completed), options.Runs), options.Runs));
        }
        Volatile.Write(ref stop, true);
        workers.ForEach(w => w.Join());
        double seconds = clock.Elapsed.TotalSeconds;
        progress?.Report(new WorkProgress(task, options.Runs, options.Runs));
        return Interlocked.Read(ref completed) / seconds;
    }

    /// <summary>Milliseconds per run, at least <paramref name="runs"/> runs and the options' MinSeconds of timing.</summary>
    static double[] Measure(ModelRunner runner, int batch, BenchOptions options, int warmup, int runs, string task, IProgress<WorkProgress>? progress)
    {
        double minSeconds = options.MinSeconds;
        using var request = new Request(runner, batch, options.Shapes, seed: options.Seed);
        for (int i = 0; i < warmup; i++) request.Run();

        var times = new List<double>(runs);
        var total = Stopwatch.StartNew();
        while (times.Count < runs || total.Elapsed.TotalSeconds < minSeconds)
        {
            long start = Stopwatch.GetTimestamp();
            request.Run();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (times.Count % 10 == 0) progress?.Report(new WorkProgress(task, Math.Min(times.Count, runs), runs));
            if (times.Count >= 100 * runs) break;
        }
        progress?.Report(new WorkProgress(task, runs, runs));
        return times.ToArray();
    }

    /// <summary>Pre-built synthetic inputs and the names to run them with: nothing is allocated per run but ONNX Runtime's outputs.</summary>
    internal sealed class Request : IDisposable
    {
        readonly InferenceSession _session;
        readonly OrtValue[] _inputs;
        readonly RunOptions _runOptions = new();
        readonly string[] _inputNames, _outputNames;

        public Request(ModelRunner runner, int batch, IReadOnlyDictionary<string, long[]> shapes, int seed)
        {
            _inputs = BenchInputs.Create(runner.Inputs, batch, shapes, seed);
            _session = runner.Session;
            _inputNames = runner.Inputs.Names;
            _outputNames = runner.OutputNames.ToArray();
        }

        public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames).Dispose();

        public void Dispose()
        {
            foreach (var v in _inputs) v.Dispose();
            _runOptions.Dispose();
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return 0;
        int rank = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
