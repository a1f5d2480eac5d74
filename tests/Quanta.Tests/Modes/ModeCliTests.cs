using Quanta.Tests.Cli;

namespace Quanta.Tests.Modes;

/// <summary>`quantize --mode …` through the real command line: per-mode --calib rules, JSON summary, metadata.</summary>
public class ModeCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-modes-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void CalibIsRequiredOnlyForStaticAndGptq()
    {
        string cnn = TestData.Model("fmnist_cnn.onnx"), output = Path.Combine(_dir, "out.onnx");
        var r = CliRunner.Run("quantize", cnn, "-o", output);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--calib", CliRunner.SingleErrorLine(r));
        r = CliRunner.Run("quantize", cnn, "-o", output, "--mode", "weight-only", "--algorithm", "gptq");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--calib", CliRunner.SingleErrorLine(r));
        r = CliRunner.Run("quantize", cnn, "-o", output, "--mode", "weight-only", "--bits", "5");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--bits", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void DynamicWritesAJsonSummaryAndStampsTheRecipe()
    {
        string output = Path.Combine(_dir, "cnn.dyn.onnx");
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", output, "--mode", "dynamic", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(r.Stdout);
        Assert.Equal("dynamic", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("convertedByOpType").GetProperty("Conv").GetInt32());
        Assert.Contains(json.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("slower than static"));
        Assert.Contains("dynamic", Quanta.IR.Model.Load(output).Metadata("quanta.recipe"));
    }

    [Fact]
    public void DynamicDefaultsReachAnLstmInsideAnIfBranch()
    {
        string input = Path.Combine(_dir, "vad.onnx"), output = Path.Combine(_dir, "vad.dyn.onnx");
        Quanta.Tests.Quantization.ControlFlowModels.VadWithLstmInIf().Save(input);
        var r = CliRunner.Run("quantize", input, "-o", output, "--mode", "dynamic", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(r.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("convertedByOpType").GetProperty("LSTM").GetInt32());
        var bodies = Quanta.IR.Model.Load(output).Graph.Scopes().Skip(1).SelectMany(g => g.Nodes).ToList();
        Assert.Equal(2, bodies.Count(n => n.OpType == "DynamicQuantizeLSTM"));
    }
}
