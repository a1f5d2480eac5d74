using Quanta.IR;
using Quanta.Tests.Cli;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Modes;

/// <summary>The encoder through the real command line: `quantize --mode dynamic` quantizes its table by default; `--op-types` can leave it out.</summary>
public class EmbeddingCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-embed-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void DynamicQuantizesTheTableByDefaultAndOpTypesCanKeepItFloat()
    {
        string input = Path.Combine(_dir, "encoder.onnx"), output = Path.Combine(_dir, "encoder.dyn.onnx");
        EncoderModel.Build().Save(input);

        var r = CliRunner.Run("quantize", input, "-o", output, "--mode", "dynamic", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using (var json = System.Text.Json.JsonDocument.Parse(r.Stdout))
            Assert.Equal(1, json.RootElement.GetProperty("convertedByOpType").GetProperty("Gather").GetInt32());
        double ratio = (double)new FileInfo(output).Length / new FileInfo(input).Length;
        Assert.True(ratio <= 0.30, $"{ratio:0.000}×");
        Assert.Contains("embeddings 8-bit", Model.Load(output).Metadata("quanta.recipe"));

        r = CliRunner.Run("quantize", input, "-o", output, "--mode", "dynamic", "--op-types", "MatMul,Gemm");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain(Model.Load(output).Graph.Nodes, n => n.OpType == "GatherBlockQuantized");
    }
}
