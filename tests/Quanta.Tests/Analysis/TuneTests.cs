using Quanta.Analysis;
using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Quantization;

namespace Quanta.Tests.Analysis;

public class TuneTests
{
    [Fact]
    public void StrictTargetRaisesLayersAndMeetsIt()
    {
        var model = Quanta.IR.Model.Load(TestData.Model("fmnist_cnn.onnx"));
        // 4-bit weights lose accuracy on the CNN; a zero-drop target cannot hold without raising layers.
        var start = new QuantRecipe { WeightType = QuantType.Int4, CalibCount = 256 }.Resolve(Hardware.Detect());
        var search = Quantize.Test(500);
        // Recovery candidates off: this test is about raising layers (RecoveryTuneTests covers them).
        var r = Tuner.Run(model, Quantize.Calibration(256), search, null, start, new TuneOptions(MaxDropPoints: 0, MaxTrials: 20, Methods: [CalibrationMethod.MinMax, CalibrationMethod.Percentile]) { Recovery = false });
        Assert.True(r.Met, $"best {r.Chosen.Score} vs target {r.Target}");
        Assert.Equal(Metric.Top1, r.Metric);
        Assert.True(r.RaisedLayers.Count >= 1);
        Assert.True(r.Chosen.Score >= r.Target);
        Assert.Equal(r.Target, r.ReferenceScore, 6);
        Assert.NotEmpty(r.Ranking);
        Assert.Contains(r.Trials, t => t.Phase == "calibration" && !t.Met);
        // The chosen model is what the result says: its accuracy on the search data reproduces.
        Assert.Equal(r.Chosen.Score / 100, Quantize.Top1(r.Best.Model, search), 6);
        Assert.True(r.Best.Recipe.Nodes.Count >= r.RaisedLayers.Count);
    }

    [Fact]
    public void SensitivityRanksEveryLayerWithSharesOfTheNoise()
    {
        var model = Quanta.IR.Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var recipe = new QuantRecipe { CalibCount = 128 }.Resolve(Hardware.Detect());
        var calibrated = CalibratedModel.Calibrate(model, Quantize.Calibration(128), recipe);
        var reference = ReferenceRun.Of(calibrated.Prepared, Quantize.Test(256));
        var r = SensitivityAnalyzer.Analyze(calibrated, recipe, reference);
        var layers = Layer.Of(calibrated.Quantize(recipe).Plan);
        Assert.Equal(layers.Select(l => l.Name).Order(), r.Layers.Select(l => l.Layer).Order());
        for (int i = 1; i < r.Layers.Count; i++) Assert.True(r.Layers[i - 1].NoiseShare >= r.Layers[i].NoiseShare);
        // One layer alone is always closer to float than all of them together.
        Assert.All(r.Layers, l => Assert.True(l.OnlySqnrDb >= r.FullyQuantized.SqnrDb - 0.5, $"{l.Layer}: {l.OnlySqnrDb} vs {r.FullyQuantized.SqnrDb}"));
        Assert.All(r.Layers, l => Assert.NotNull(l.AllButSqnrDb));
        Assert.InRange(r.Layers.Sum(l => l.NoiseShare), 0.3, 3);
    }

    [Fact]
    public void CliExitsOneAndKeepsTheBestWhenTheTargetCannotBeMet()
    {
        string dir = Directory.CreateTempSubdirectory("quanta-tune-").FullName;
        try
        {
            string output = Path.Combine(dir, "cnn.tuned.onnx");
            var r = Cli.CliRunner.Run("tune", TestData.Model("fmnist_cnn.onnx"), "-o", output, "--calib", TestData.FashionMnist + ":train",
                "--calib-count", "64", "--data", TestData.FashionMnist + ":test", "--count", "200", "--weight-type", "int4",
                "--max-drop", "0", "--max-trials", "1", "--mean", "0.2860", "--std", "0.3530", "--json");
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("not met", Cli.CliRunner.SingleErrorLine(r));
            Assert.True(File.Exists(output));
            using var log = System.Text.Json.JsonDocument.Parse(File.ReadAllText(output + ".tune.json"));
            Assert.False(log.RootElement.GetProperty("met").GetBoolean());
            Assert.Equal(1, log.RootElement.GetProperty("trials").GetArrayLength());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
