namespace Quanta.Runtime;

/// <summary>How a latency/throughput benchmark runs.</summary>
/// <param name="Batch">Batch size for the throughput measurement (latency is always batch 1).</param>
/// <param name="Threads">ONNX Runtime intra-op threads; 0 = all cores.</param>
/// <param name="Warmup">Untimed runs before each measurement (lets ONNX Runtime allocate and tune).</param>
/// <param name="Runs">Timed batch-1 runs (the throughput phase uses a tenth, at least 5).</param>
/// <param name="MinSeconds">Keep timing each phase at least this long, so short models get enough samples.</param>
/// <param name="Streams">
/// Concurrent batch-1 requests for the serving-throughput phase, the way a server on this machine
/// would run them: one shared session, each request on <c>Threads / Streams</c> intra-op threads.
/// 1 skips the phase (serving throughput is then one request at a time).
/// </param>
public sealed record BenchOptions(int Batch = 64, int Threads = 0, int Warmup = 20, int Runs = 200, double MinSeconds = 1.0, int Seed = 0, int Streams = 1)
{
    /// <summary>Shapes for inputs with symbolic dimensions (besides the batch), by input name.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes { get; init; } = new Dictionary<string, long[]>();

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Batch < 1) problems.Add($"{nameof(Batch)} must be at least 1, got {Batch}");
        if (Threads < 0) problems.Add($"{nameof(Threads)} must be 0 (all cores) or more, got {Threads}");
        if (Warmup < 0) problems.Add($"{nameof(Warmup)} must be 0 or more, got {Warmup}");
        if (Runs < 1) problems.Add($"{nameof(Runs)} must be at least 1, got {Runs}");
        if (Streams < 1) problems.Add($"{nameof(Streams)} must be at least 1, got {Streams}");
        return problems;
    }
}
