using System.Text.Json;

namespace Quanta.Tests.Cli;

/// <summary>The verbs' --json output, read back as JSON and checked against known facts of the reference models.</summary>
public class VerbTests
{
    [Fact]
    public void InspectListsOpTypesAndParameters()
    {
        var r = CliRunner.Run("inspect", TestData.Model("fmnist_cnn.onnx"), "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var ops = doc.RootElement.GetProperty("opTypes").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "Conv", "Relu", "MaxPool", "Gemm" }, ops);
        long parameters = doc.RootElement.GetProperty("parameters").GetInt64();
        Assert.InRange(parameters, 380_000, 400_000);
        Assert.Equal("input", doc.RootElement.GetProperty("inputs")[0].GetProperty("name").GetString());
    }

    [SharedModelsFact]
    public void InspectMobileNetV2HasSevenOpTypes()
    {
        var r = CliRunner.Run("inspect", TestData.Model("fmnist_mobilenetv2.onnx"), "--json");
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(7, doc.RootElement.GetProperty("opTypes").EnumerateObject().Count());
        Assert.InRange(doc.RootElement.GetProperty("parameters").GetInt64(), 2_150_000, 2_300_000);
    }

    [Fact]
    public void EvalReportsAccuracyAndPerClass()
    {
        var r = CliRunner.Run("eval", TestData.Model("fmnist_cnn.onnx"), "--data", TestData.DemoDir + "/fashion-mnist:test",
            "--mean", "0.2860", "--std", "0.3530", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(2000, doc.RootElement.GetProperty("count").GetInt32());
        double top1 = doc.RootElement.GetProperty("top1").GetDouble();
        Assert.InRange(top1, 0.90, 0.96);
        Assert.True(doc.RootElement.GetProperty("top5").GetDouble() >= top1);
        Assert.Equal(10, doc.RootElement.GetProperty("perClass").GetArrayLength());
    }

    [Fact]
    public void BenchReportsLatencyThroughputAndMemory()
    {
        var r = CliRunner.Run("bench", TestData.Model("fmnist_cnn.onnx"), "--runs", "20", "--warmup", "2", "--batch", "8", "--json");
        Assert.Equal(0, r.ExitCode);
        var result = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("result");
        double p50 = result.GetProperty("latencyP50Ms").GetDouble(), p99 = result.GetProperty("latencyP99Ms").GetDouble();
        Assert.True(p50 > 0 && p99 >= p50);
        // The batch-8 throughput against batch-1 latency: batching neither costs more than twice the batch-1 time per
        // sample nor saves more than the batch size.
        double perSample = 1000 / p50;
        Assert.InRange(result.GetProperty("throughput").GetDouble(), 0.5 * perSample, 2 * 8 * perSample);
        Assert.True(result.GetProperty("peakRssBytes").GetInt64() > 10_000_000);
        Assert.Equal(new FileInfo(TestData.Model("fmnist_cnn.onnx")).Length, result.GetProperty("modelBytes").GetInt64());
    }

    [Fact]
    public void BenchServesConcurrentRequestsWhenAskedForStreams()
    {
        var r = CliRunner.Run("bench", TestData.Model("fmnist_cnn.onnx"), "--runs", "20", "--warmup", "2", "--batch", "8", "--threads", "2", "--streams", "2", "--json");
        Assert.Equal(0, r.ExitCode);
        var result = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("result");
        Assert.Equal(2, result.GetProperty("streams").GetInt32());
        Assert.True(result.GetProperty("servingThroughput").GetDouble() > 0);
        if (Environment.ProcessorCount > 1) Assert.True(result.GetProperty("coreRoundTripNs").GetDouble() > 0);
    }

    [Fact]
    public void DemoQuantizesTheEmbeddedCnnAndComparesItWithTheFloatModel()
    {
        string folder = Directory.CreateTempSubdirectory("quanta-demo-test-").FullName;
        try
        {
            var r = CliRunner.Run("demo", "--output", folder, "--json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var rows = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(2, rows.Count);
            double floatTop1 = rows[0].GetProperty("top1").GetDouble(), int8Top1 = rows[1].GetProperty("top1").GetDouble();
            Assert.InRange(floatTop1, 0.90, 1.0);
            Assert.True(floatTop1 - int8Top1 <= 0.01, $"int8 lost {(floatTop1 - int8Top1) * 100:0.00} points");
            Assert.True(rows[1].GetProperty("bytes").GetInt64() < 0.3 * rows[0].GetProperty("bytes").GetInt64());
            Assert.Equal(1.0, rows[0].GetProperty("latencySpeedup").GetDouble());
            Assert.True(rows[1].GetProperty("latencySpeedup").GetDouble() > 0);
            Assert.True(File.Exists(Path.Combine(folder, "fmnist_cnn.int8.onnx")));
            // The demo goes through the same placement as `quantize` (--objective auto), and its model says so.
            var placement = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("placement");
            Assert.Equal("auto", placement.GetProperty("objective").GetString());
            Assert.True(placement.GetProperty("speedup").GetDouble() >= 1.0);
            Assert.StartsWith("objective auto", Quanta.IR.Model.Load(Path.Combine(folder, "fmnist_cnn.int8.onnx")).Metadata("quanta.placement"));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void BenchComparesModelsInInterleavedRounds()
    {
        string model = TestData.Model("fmnist_cnn.onnx");
        var r = CliRunner.Run("bench", model, model, "--rounds", "2", "--runs", "20", "--warmup", "2", "--batch", "8", "--json");
        Assert.Equal(0, r.ExitCode);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(2, models.Count);
        Assert.Equal(1.0, models[0].GetProperty("latencySpeedup").GetDouble()); // the baseline against itself, round by round
        Assert.Equal(1.0, models[0].GetProperty("throughputSpeedup").GetDouble());
        Assert.All(models, m => Assert.Equal(2, m.GetProperty("rounds").GetArrayLength()));
        Assert.True(models[1].GetProperty("latencySpeedup").GetDouble() > 0);
    }

    [Fact]
    public void BenchWithOneStreamReportsOneRequestAtATime()
    {
        var r = CliRunner.Run("bench", TestData.Model("fmnist_cnn.onnx"), "--runs", "20", "--warmup", "2", "--batch", "8", "--json");
        Assert.Equal(0, r.ExitCode);
        var result = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("result");
        Assert.Equal(1, result.GetProperty("streams").GetInt32());
        Assert.Equal(1000 / result.GetProperty("latencyMeanMs").GetDouble(), result.GetProperty("servingThroughput").GetDouble(), 6);
    }

    [Fact]
    public void InspectPlanShowsDecisionsWithoutCalibrating()
    {
        var r = CliRunner.Run("inspect", TestData.Model("fmnist_cnn.onnx"), "--plan", "--json");
        Assert.Equal(0, r.ExitCode);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(4, root.GetProperty("foldedActivations").GetArrayLength()); // every Relu follows a Conv or Gemm
        var roles = root.GetProperty("tensors").EnumerateArray().GroupBy(t => t.GetProperty("role").GetString()).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(5, roles["weight"]); // 3 Conv + 2 Gemm
        Assert.Equal(5, roles["bias"]);
        Assert.Contains(root.GetProperty("tensors").EnumerateArray(), t => t.GetProperty("role").GetString() == "activation" && t.TryGetProperty("sharesWith", out _));
    }

    [Fact]
    public void HelpExitsZero()
    {
        var r = CliRunner.Run("quantize", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--calib", r.Stdout);
    }
}
