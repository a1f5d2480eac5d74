using Google.Protobuf;

namespace Quanta.Training.Tests;

public class ParallelTrainingTests
{
    static QatResult Train(QatOptions o) =>
        QatRunner.Run(Fixtures.Load("fmnist_cnn.onnx"), Fixtures.Train(640, seed: o.Seed), null, o, TestData.FashionPreprocessing);

    [Fact]
    public async Task TwoTrainingsInParallelMatchTheSameTrainingsOneAfterTheOther()
    {
        // No step takes turns: two trainings in one process overlap, while a third thread collects garbage
        // all the time. A Scalar freed under a running op (TorchSharp's optimizers made such temporaries:
        // "Unknown scalar type" in mul_) would fail a step or change a result.
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
