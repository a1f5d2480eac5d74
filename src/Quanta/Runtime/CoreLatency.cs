using System.Diagnostics;

namespace Quanta.Runtime;

/// <summary>
/// How long two threads take to hand a cache line back and forth. ONNX Runtime's intra-op threads
/// meet several times per operator, so at batch 1 this round trip is part of every layer's cost. On
/// a shared VM it is not fixed: on this project's machine it reads ~100 ns for minutes, then ~420 ns
/// for minutes (the host has put the virtual cores far apart), and float MobileNetV2 with two threads
/// takes 0.78 ms instead of 0.46 ms. Measuring it alongside a benchmark says which spell the figures
/// come from.
/// </summary>
internal static class CoreLatency
{
    /// <summary>Round trips slower than this mean the threads sit far apart (a spell, or separate sockets).</summary>
    public const double FarApartNs = 250;

    /// <summary>Median nanoseconds of one round trip over three short trials; NaN on a single-core machine.</summary>
    public static double RoundTripNs(int iterations = 20_000)
    {
        if (Environment.ProcessorCount < 2) return double.NaN;
        var trials = new double[3];
        for (int i = 0; i < trials.Length; i++) trials[i] = Trial(iterations);
        Array.Sort(trials);
        return trials[1];
    }

    static double Trial(int iterations)
    {
        // Two counters a cache line apart (128 bytes), so each write moves exactly one line.
        var line = new long[32];
        var echo = new Thread(() =>
        {
            for (long i = 1; i <= iterations; i++)
            {
                while (Volatile.Read(ref line[0]) != i) { }
                Volatile.Write(ref line[16], i);
            }
        })
        { IsBackground = true };
        echo.Start();
        // The first tenth warms up (the echo thread starting, caches); the rest is timed.
        int warmup = iterations / 10;
        var clock = new Stopwatch();
        for (long i = 1; i <= iterations; i++)
        {
            if (i == warmup + 1) clock.Start();
            Volatile.Write(ref line[0], i);
            while (Volatile.Read(ref line[16]) != i) { }
        }
        double ns = clock.Elapsed.TotalNanoseconds / (iterations - warmup);
        echo.Join();
        return ns;
    }
}
