namespace Quanta.Runtime;

/// <summary>
/// What a benchmark measured. Latencies are batch-1 milliseconds; throughput is samples per second at
/// <see cref="Batch"/>; serving throughput is batch-1 requests per second with <see cref="Streams"/>
/// requests in flight. <see cref="CoreRoundTripNs"/> is the slower of two core-to-core round trips
/// measured before and after (NaN with one thread), see <see cref="CoreLatency"/>.
/// </summary>
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
    int Streams,
    double ServingThroughput,
    long ModelBytes,
    long PeakRssBytes,
    string Hardware,
    double CoreRoundTripNs)
{
    /// <summary>True when the threads sat far apart during the run, which slows multi-threaded batch-1 figures.</summary>
    public bool ThreadsFarApart => Threads > 1 && CoreRoundTripNs > CoreLatency.FarApartNs;
}
