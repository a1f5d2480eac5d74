using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Cli;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Evaluation;

/// <summary>`bench --profile`: ONNX Runtime's own per-node trace, summed by op type.</summary>
public class OpProfileTests
{
    [Fact]
    public void FloatAndInt8ProfilesShowTheKernelsOnnxRuntimeRan()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var int8 = Q.Run(model, new QuantRecipe(), calibCount: 64).Model;
        var empty = new Dictionary<string, long[]>();

        var f = OpProfile.Measure(model, threads: 1, batch: 1, empty, runs: 10);
        var q = OpProfile.Measure(int8, threads: 1, batch: 1, empty, runs: 10);

        // The float CNN's three convolutions run as float kernels (fused with their Relu or not); the int8 ones as QLinearConv.
        Assert.Equal(3, f.Where(t => t.OpType.Contains("Conv")).Sum(t => t.Nodes));
        Assert.DoesNotContain(f, t => t.OpType.StartsWith("QLinear"));
        Assert.Equal(3, q.Single(t => t.OpType == "QLinearConv").Nodes);
        Assert.All(f.Concat(q), t => Assert.True(t.MicrosecondsPerRun > 0 && double.IsFinite(t.MicrosecondsPerRun), t.OpType));
        // The trace goes to a temporary folder, not into the working directory.
        Assert.Empty(Directory.GetFiles(Environment.CurrentDirectory, "onnxruntime_profile_*"));
    }

    [Fact]
    public void BenchProfilePrintsBothModelsSideBySide()
    {
        string model = TestData.Model("fmnist_cnn.onnx");
        var r = CliRunner.Run("bench", model, model, "--profile", "--rounds", "1", "--runs", "5", "--warmup", "1", "--batch", "2", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        // The profile table follows the speed table: op types of the CNN, and a total row for each model.
        int profile = r.Stdout.IndexOf("op type", StringComparison.Ordinal);
        Assert.True(profile > 0, r.Stdout);
        Assert.Contains("Conv", r.Stdout[profile..]);
        Assert.Contains("total", r.Stdout[profile..]);
    }
}
