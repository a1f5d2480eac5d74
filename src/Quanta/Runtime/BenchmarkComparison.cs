using Quanta.IR;

namespace Quanta.Runtime;

/// <summary>One model to compare: a name for tables, the model, and its file size.</summary>
public sealed record BenchCandidate(string Name, Model Model, long Bytes);

/// <summary>
/// A model's figures over the rounds of a comparison: medians, and speed-ups over the first
/// model as the median of each round's own ratio.
/// </summary>
public sealed record ComparedBench(
    string Name,
    long ModelBytes,
    double LatencyP50Ms,
    double LatencyP90Ms,
    double LatencyP99Ms,
    double Throughput,
    double ServingThroughput,
    double LatencySpeedup,
    double ThroughputSpeedup,
    double ServingSpeedup,
    List<BenchResult> Rounds);

/// <summary>
/// Benchmarks several models in turn, round after round. On a shared machine the speed of a core
/// drifts over seconds (another tenant, a throttled host); timing one model and then the other puts
/// that drift into their ratio. Taking turns within each round and taking the median of the rounds'
/// ratios puts the same conditions on both sides of every ratio.
/// </summary>
public static class BenchmarkComparison
{
    public static List<ComparedBench> Run(IReadOnlyList<BenchCandidate> candidates, BenchOptions options, int rounds,
        IProgress<WorkProgress>? progress = null)
    {
        if (candidates.Count == 0) throw QuantaException.BadInput("nothing to benchmark");
        if (rounds < 1) throw QuantaException.BadInput($"Rounds must be at least 1, got {rounds}");
        var results = candidates.Select(_ => new List<BenchResult>()).ToArray();
        string task = $"{candidates.Count} models × {rounds} rounds";
        for (int round = 0; round < rounds; round++)
            for (int i = 0; i < candidates.Count; i++)
            {
                results[i].Add(Benchmark.Run(candidates[i].Model, candidates[i].Bytes, options));
                progress?.Report(new WorkProgress(task, round * candidates.Count + i + 1, rounds * candidates.Count));
            }

        var baseline = results[0];
        return candidates.Select((c, i) =>
        {
            var r = results[i];
            double Speedup(Func<BenchResult, double> rate) => Median(r.Select((x, k) => rate(x) / rate(baseline[k])));
            return new ComparedBench(c.Name, c.Bytes,
                Median(r.Select(x => x.LatencyP50Ms)), Median(r.Select(x => x.LatencyP90Ms)), Median(r.Select(x => x.LatencyP99Ms)),
                Median(r.Select(x => x.Throughput)), Median(r.Select(x => x.ServingThroughput)),
                Speedup(x => 1 / x.LatencyP50Ms), Speedup(x => x.Throughput), Speedup(x => x.ServingThroughput), r);
        }).ToList();
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
