using Quanta.Data;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Training.Execution;
using Quanta.Training.Quant;
using Quanta.Training.Train;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Quanta.Training.Tests;

/// <summary>Short real runs on the CNN: training lowers the loss, and the exported QDQ model in ONNX Runtime agrees with the simulation.</summary>
public class TrainingTests
{
    static float Loss(OnnxModule m, Batch b)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return F.cross_entropy(m.forward(tensor(b.Data, b.Shape)), tensor(b.Labels!.Select(l => (long)l).ToArray())).item<float>();
    }

    [Fact]
    public void AFewStepsReduceTheLossOnTheCnn()
    {
        // 2-bit weights hurt the CNN a lot, so there is loss to win back in a few steps.
        var o = new QatOptions { WeightBits = 2, Steps = 12, Batch = 32, Lr = 0.02, CalibCount = 64, Seed = 3 };
        var normalized = Fixtures.Normalized("fmnist_cnn.onnx");
        var train = Fixtures.Train(384, seed: 3);
        var probe = Fixtures.FirstBatch(Fixtures.Train(256, seed: 4), 256);
        manual_seed(3);
        using var module = new OnnxModule(normalized);
        var sim = QuantSim.Attach(module, normalized, o, QuantSim.RecipeFor(o, Hardware.Detect()));
        sim.Calibrate(module, train.Batches(32).Take(2).Select(b => tensor(b.Data, b.Shape)));
        float before = Loss(module, probe);

        var summary = new Trainer(module, sim, null, o, "test").Train(new TrainBatches(train, o.Batch, o.Seed, false, [0f]), null, default);
        float after = Loss(module, probe);

        Assert.Equal(12, summary.Steps);
        Assert.True(after < before * 0.9, $"loss on held-out images {before:0.000} → {after:0.000}");
    }

    [Fact]
    public void ExportedModelRunsInOrtAndAgreesWithTheSimulation()
    {
        var o = new QatOptions { WeightBits = 4, Steps = 8, Batch = 32, CalibCount = 128, Seed = 1 };
        var result = QatRunner.Run(Fixtures.Load("fmnist_cnn.onnx"), Fixtures.Train(512, seed: 1), Fixtures.Test(500), o, TestData.FashionPreprocessing);

        Assert.Equal(500, result.QuantizedEval!.Count);
        Assert.InRange(result.QuantizedEval.Top1 - result.SimulationTop1!.Value, -0.01, 0.01);
        Assert.True(result.QuantizedEval.Top1 > result.FloatEval!.Top1 - 0.05, $"W4A8 after 8 steps: {result.QuantizedEval.Top1} vs float {result.FloatEval.Top1}");
        // int4 weights are stored as int4 behind DequantizeLinear, and the model says how it was made.
        Assert.Contains(result.Model.Graph.Initializers, t => t.DataType == DataTypes.Int4);
        Assert.Contains(result.Model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
        Assert.StartsWith("qat, weights int4", result.Model.Metadata("quanta.recipe"));
    }

    [Fact]
    public void TernaryExportStoresOnlyMinusOneZeroOne()
    {
        var o = new QatOptions { Weights = WeightScheme.Ternary, Steps = 2, Batch = 32, CalibCount = 64 };
        var result = QatRunner.Run(Fixtures.Load("fmnist_cnn.onnx"), Fixtures.Train(128), null, o, TestData.FashionPreprocessing);
        var weights = result.Model.Graph.Initializers.Where(t => t.DataType == DataTypes.Int8).ToList();
        Assert.NotEmpty(weights);
        Assert.All(weights, t => Assert.All(Tensors.ToInt32s(t), v => Assert.InRange(v, -1, 1)));
        Assert.Contains("ternary", result.Model.Metadata("quanta.weights"));
    }
}

/// <summary>An interrupted run resumed from its checkpoint ends where the uninterrupted run ends.</summary>
public class CheckpointTests
{
    static float[] TrainCnn(string? checkpoint, int cancelAfter)
    {
        var o = new QatOptions { WeightBits = 4, Steps = 6, Batch = 32, Lr = 0.02, CalibCount = 64, Seed = 5, Checkpoint = checkpoint, CheckpointEvery = 3 };
        var normalized = Fixtures.Normalized("fmnist_cnn.onnx");
        var train = Fixtures.Train(256, seed: 5);
        manual_seed(5);
        using var module = new OnnxModule(normalized);
        var sim = QuantSim.Attach(module, normalized, o, QuantSim.RecipeFor(o, Hardware.Detect()));
        sim.Calibrate(module, train.Batches(32).Take(2).Select(b => tensor(b.Data, b.Shape)));
        using var cts = new CancellationTokenSource();
        var progress = new Stop(cancelAfter, cts);
        try { new Trainer(module, sim, null, o, "test").Train(new TrainBatches(train, o.Batch, o.Seed, true, [0f]), progress, cts.Token); }
        catch (OperationCanceledException) { return []; }
        return module.parameters().SelectMany(p => TensorConvert.Floats(p)).ToArray();
    }

    sealed class Stop(int after, CancellationTokenSource cts) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress p)
        {
            if (p.Step == after) cts.Cancel();
        }
    }

    [Fact]
    public void ResumedRunMatchesUninterruptedRun()
    {
        var straight = TrainCnn(null, -1);
        string dir = Path.Combine(Path.GetTempPath(), $"quanta-ckpt-{Guid.NewGuid():N}");
        try
        {
            Assert.Empty(TrainCnn(dir, 3)); // interrupted after the step-3 checkpoint
            var resumed = TrainCnn(dir, -1);
            Assert.Equal(straight.Length, resumed.Length);
            float maxDiff = 0;
            for (int i = 0; i < straight.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(straight[i] - resumed[i]));
            Assert.True(maxDiff < 1e-5f, $"max parameter difference {maxDiff}");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
