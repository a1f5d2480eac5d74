using System.Runtime;
using Google.Protobuf;
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

    static QatResult Train(QatOptions o) =>
        QatRunner.Run(Fixtures.Load("fmnist_cnn.onnx"), Fixtures.Train(640, seed: o.Seed), null, o, TestData.FashionPreprocessing);

    [Fact]
    public async Task TwoTrainingsInParallelMatchTheSameTrainingsOneAfterTheOther()
    {
        // Forward and backward passes no longer take turns (only optimizer steps do): two trainings in one
        // process overlap, while a third thread collects garbage all the time. A Scalar freed under a running
        // op would fail a step or change a result.
        QatOptions[] runs =
        [
            new() { WeightBits = 4, Steps = 30, Batch = 32, CalibCount = 64, Seed = 1 },
            new() { WeightBits = 3, ActivationBits = 6, Steps = 30, Batch = 32, CalibCount = 64, Seed = 2, Distill = true, Optimizer = OptimizerKind.AdamW, Lr = 0.001 },
        ];
        var sequential = runs.Select(Train).ToList();

        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        var parallel = runs.Select(o => Task.Run(() => Train(o))).ToArray();
        var results = await Task.WhenAll(parallel);
        stop.Cancel();
        await collector;

        for (int i = 0; i < runs.Length; i++)
        {
            Assert.Equal(30, results[i].Training.Steps);
            Assert.Equal(sequential[i].Training.LastLoss, results[i].Training.LastLoss);
            Assert.Equal(sequential[i].Model.Proto.ToByteArray(), results[i].Model.Proto.ToByteArray());
        }
    }
}
