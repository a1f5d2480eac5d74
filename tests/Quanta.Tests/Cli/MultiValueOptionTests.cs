using System.CommandLine;
using Quanta.Cli;

namespace Quanta.Tests.Cli;

/// <summary>Options that take several values stop at the next flag, and a mistyped flag among them is named.</summary>
public class MultiValueOptionTests
{
    [Fact]
    public void SeveralValuesStopAtTheNextKnownFlag()
    {
        var flags = new DataFlags();
        var count = new Option<int?>("--count");
        var command = new Command("eval") { count };
        flags.AddTo(command);
        var parse = command.Parse(["--std", "0.1", "0.2", "--count", "5", "--mean", "-0.5"]);
        Assert.Empty(parse.Errors);
        var preprocessing = flags.Preprocessing(parse);
        Assert.Equal([0.1f, 0.2f], preprocessing.Std);
        Assert.Equal([-0.5f], preprocessing.Mean);
        Assert.Equal(5, parse.GetValue(count));
    }

    [Fact]
    public void AnUnknownFlagAfterSeveralValuesIsNamed()
    {
        string model = TestData.Model("fmnist_cnn.onnx");
        var r = CliRunner.Run("quantize", model, "-o", Path.Combine(Path.GetTempPath(), "never-written.onnx"),
            "--calib", TestData.DemoDir + "/fashion-mnist:test", "--std", "0.0039", "--calib-batch", "1");
        Assert.Equal(2, r.ExitCode);
        string error = CliRunner.SingleErrorLine(r);
        Assert.Contains("unknown option '--calib-batch'", error);
        Assert.DoesNotContain("is not a number", error);
    }

    [Fact]
    public void AnUnknownFlagAmongExcludePatternsIsNamed()
    {
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", Path.Combine(Path.GetTempPath(), "never-written.onnx"),
            "--calib", TestData.DemoDir + "/fashion-mnist:test", "--exclude", "conv*", "--op-typs", "Conv");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option '--op-typs'", CliRunner.SingleErrorLine(r));
    }
}
