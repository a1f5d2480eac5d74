using System.Text.Json;
using Quanta.Tests.Data;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Cli;

/// <summary>The verbs on models with several inputs, int64 inputs and no labels, through the real command line.</summary>
public class RealModelCliTests
{
    [Fact]
    public void EvalScoresAQuantizedModelAgainstItsFloatOriginalWithoutLabels()
    {
        using var tmp = new TempDir();
        ExportShapes.TwoImages().Save(tmp["two.onnx"]);
        SampleFiles.ImagePairs(tmp["calib.npz"], 64, offset: 0);
        SampleFiles.ImagePairs(tmp["test.npz"], 100, offset: 700);
        var q = CliRunner.Run("quantize", tmp["two.onnx"], "-o", tmp["two.q.onnx"], "--calib", tmp["calib.npz"], "--json");
        Assert.True(q.ExitCode == 0, q.Stderr);

        var r = CliRunner.Run("eval", tmp["two.q.onnx"], "--data", tmp["test.npz"], "--reference", tmp["two.onnx"], "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal("agreement", json.GetProperty("metric").GetString());
        Assert.InRange(json.GetProperty("score").GetDouble(), 95, 100);
        Assert.InRange(json.GetProperty("output").GetProperty("meanCosine").GetDouble(), 0.99, 1.0);

        var cosine = CliRunner.Run("eval", tmp["two.q.onnx"], "--data", tmp["test.npz"], "--reference", tmp["two.onnx"], "--metric", "cosine", "--output", "scores", "--json");
        Assert.True(cosine.ExitCode == 0, cosine.Stderr);
        Assert.InRange(JsonDocument.Parse(cosine.Stdout).RootElement.GetProperty("score").GetDouble(), 99, 100);

        var top1 = CliRunner.Run("eval", tmp["two.q.onnx"], "--data", tmp["test.npz"], "--reference", tmp["two.onnx"], "--metric", "top1");
        Assert.Equal(2, top1.ExitCode);
        Assert.Contains("--metric top1: needs labelled data", CliRunner.SingleErrorLine(top1));
    }

    [Fact]
    public void BenchMakesInt64InputsAndAsksForSymbolicShapes()
    {
        using var tmp = new TempDir();
        ExportShapes.Tokens().Save(tmp["tokens.onnx"]);
        var missing = CliRunner.Run("bench", tmp["tokens.onnx"], "--runs", "3", "--warmup", "1");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("input_ids=1xN", CliRunner.SingleErrorLine(missing));

        var r = CliRunner.Run("bench", tmp["tokens.onnx"], "--shape", "input_ids=1x16", "--shape", "attention_mask=1x16",
            "--runs", "5", "--warmup", "1", "--batch", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var result = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("result");
        Assert.True(result.GetProperty("latencyRuns").GetInt32() >= 5);
        Assert.True(result.GetProperty("latencyP50Ms").GetDouble() > 0);
    }

    [Fact]
    public void CompareOnAFixedBatchModelRunsOneSampleAtATime()
    {
        using var tmp = new TempDir();
        ExportShapes.FixedBatch(Quanta.IR.Model.Load(TestData.Model("fmnist_cnn.onnx"))).Save(tmp["fixed.onnx"]);
        string data = TestData.FashionMnist;
        var flags = new[] { "--mean", "0.2860", "--std", "0.3530" };
        var q = CliRunner.Run(["quantize", tmp["fixed.onnx"], "-o", tmp["fixed.q.onnx"], "--calib", data + ":train", "--calib-count", "32", .. flags]);
        Assert.True(q.ExitCode == 0, q.Stderr);
        var c = CliRunner.Run(["compare", tmp["fixed.onnx"], tmp["fixed.q.onnx"], "--data", data + ":test", "--count", "20", "--json", .. flags]);
        Assert.True(c.ExitCode == 0, c.Stderr);
        var output = JsonDocument.Parse(c.Stdout).RootElement.GetProperty("output");
        Assert.Equal(20, output.GetProperty("samples").GetInt32());
        Assert.InRange(output.GetProperty("top1Agreement").GetDouble(), 0.9, 1.0);
    }
}
