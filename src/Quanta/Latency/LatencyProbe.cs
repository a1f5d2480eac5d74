using System.Diagnostics;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Latency;

/// <summary>
/// Times several models in interleaved rounds, as <c>bench A B --rounds R</c> does, with every
/// session loaded once: in each round every model runs a block of runs back to back (the block's
/// median is the round's sample), and the order of the models rotates from round to round so none
/// always follows the same neighbour. Inputs are made up (<see cref="BenchInputs"/>) at the batch asked.
/// </summary>
public static class LatencyProbe
{
    /// <summary>Per model, per round: the median milliseconds of one run.</summary>
    public static double[][] Measure(IReadOnlyList<Model> models, PlacementOptions options, string task, IProgress<WorkProgress>? progress = null)
    {
        var runners = new List<ModelRunner>();
        var requests = new List<Benchmark.Request>();
        try
        {
            foreach (var model in models)
            {
                var runner = new ModelRunner(model, new RuntimeOptions(options.Threads));
                runners.Add(runner);
                requests.Add(new Benchmark.Request(runner, BenchInputs.EffectiveBatch(runner.Inputs, options.Batch), options.Shapes, seed: 0));
            }
            // Warm up (ONNX Runtime allocates on the first runs) and size the blocks on the slowest model.
            double slowest = 0;
            foreach (var r in requests)
            {
                for (int i = 0; i < 3; i++) r.Run();
                slowest = Math.Max(slowest, Median(Time(r, 3)));
            }
            int runs = (int)Math.Clamp(Math.Ceiling(options.RoundMs / Math.Max(slowest, 1e-3)), 3, 200);
            var samples = models.Select(_ => new double[options.Rounds]).ToArray();
            for (int round = 0; round < options.Rounds; round++)
            {
                for (int k = 0; k < models.Count; k++)
                {
                    int m = (k + round) % models.Count;
                    samples[m][round] = Median(Time(requests[m], runs));
                }
                progress?.Report(new WorkProgress(task, round + 1, options.Rounds));
            }
            return samples;
        }
        finally
        {
            foreach (var r in requests) r.Dispose();
            foreach (var r in runners) r.Dispose();
        }
    }

    static double[] Time(Benchmark.Request request, int runs)
    {
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            request.Run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return times;
    }

    static double Median(double[] values) => BenchmarkComparison.Median(values);
}
