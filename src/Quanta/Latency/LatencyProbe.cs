using System.Diagnostics;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Latency;

/// <summary>
/// Times several models in interleaved rounds, as <c>bench A B --rounds R</c> does, with every
/// session loaded once: in each round every model runs a block of runs back to back (the block's
/// median is the round's sample; the number of runs comes from the first model's time, see <see cref="RunsPerBlock"/>), and the order of the models rotates from round to round so none
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
            // Warm up (ONNX Runtime allocates on the first runs), then size the blocks on the first model's measured time
            // (the float reference): every model runs the same number of runs per block, about RoundMs of the reference's.
            double reference = 0;
            for (int m = 0; m < requests.Count; m++)
            {
                for (int i = 0; i < 3; i++) requests[m].Run();
                if (m == 0) reference = Median(Time(requests[m], 3));
            }
            int runs = RunsPerBlock(reference, options.RoundMs);
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

    /// <summary>Fewest runs in a block: a block's median needs a few runs even when one run is longer than the round.</summary>
    public const int MinRuns = 5;

    /// <summary>Runs per block for a reference model that takes <paramref name="referenceMs"/> a run: about <paramref name="roundMs"/> of runs, 5 to 200.</summary>
    public static int RunsPerBlock(double referenceMs, double roundMs) => (int)Math.Clamp(Math.Ceiling(roundMs / Math.Max(referenceMs, 1e-3)), MinRuns, 200);

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
