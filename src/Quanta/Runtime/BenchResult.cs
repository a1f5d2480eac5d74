namespace Quanta.Runtime;

/// <summary>What a benchmark measured. Latencies are batch-1 milliseconds; throughput is samples per second at <see cref="Batch"/>.</summary>
public sealed record BenchResult(
    double LatencyP50Ms,
    double LatencyP90Ms,
    double LatencyP99Ms,
    double LatencyMeanMs,
    int LatencyRuns,
    int Batch,
    double BatchMedianMs,
    int BatchRuns,
    double Throughput,
    int Threads,
    long ModelBytes,
    long PeakRssBytes,
    string Hardware);
