using System.Runtime;
using Quanta.Training.Execution;

namespace Quanta.Training.Tests;

public class NativeStepTests
{
    [Fact]
    public void StepsOnSeveralThreadsTakeTurnsWithTheProcessWideNoGcRegion()
    {
        // Before steps took turns, one thread's collection ended another's region and its
        // EndNoGCRegion threw "NoGCRegion mode must be set" (seen in CI with two trainings at once).
        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            try
            {
                for (int i = 0; i < 300; i++)
                    using (NativeStep.Begin())
                    {
                        var garbage = new byte[256][];
                        for (int k = 0; k < garbage.Length; k++) garbage[k] = new byte[4096];
                        GC.KeepAlive(garbage);
                    }
            }
            catch (Exception e) { lock (errors) errors.Add(e); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
        // Read between steps: other test classes train in parallel and may hold a region right now.
        Assert.NotEqual(GCLatencyMode.NoGCRegion, NativeStep.ModeBetweenSteps());
    }

    [Fact]
    public void AStepThatOutgrowsItsBudgetStillEndsCleanly()
    {
        using (NativeStep.Begin())
        {
            // More than the 64 MiB budget: the runtime collects and the region lapses on its own.
            var big = new byte[80][];
            for (int k = 0; k < big.Length; k++) big[k] = new byte[1 << 20];
            GC.KeepAlive(big);
        }
        // Read between steps: other test classes train in parallel and may hold a region right now.
        Assert.NotEqual(GCLatencyMode.NoGCRegion, NativeStep.ModeBetweenSteps());
    }
}
