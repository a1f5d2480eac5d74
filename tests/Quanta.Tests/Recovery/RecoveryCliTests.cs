using Quanta.IR;
using Quanta.Tests.Cli;

namespace Quanta.Tests.Recovery;

/// <summary>`quantize --equalize --bias-correction --adaround --adaround-iters`: in --help, recorded in the model, bad values named.</summary>
public sealed class RecoveryCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-recovery-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Recovery_flags_are_in_help()
    {
        var r = CliRunner.Run("quantize", "--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var flag in new[] { "--equalize", "--bias-correction", "--adaround", "--adaround-iters" }) Assert.Contains(flag, r.Stdout);
    }

    [Fact]
    public void Recovery_flags_are_recorded_in_the_model_metadata()
    {
        string output = Path.Combine(_dir, "cnn.q.onnx");
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", output, "--calib", TestData.DemoDir + "/fashion-mnist:train",
            "--calib-count", "64", "--mean", "0.2860", "--std", "0.3530", "--weight-type", "int4",
            "--equalize", "--bias-correction", "--adaround", "--adaround-iters", "50");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var recipe = Model.Load(output).Metadata("quanta.recipe");
        Assert.Contains("cross-layer equalized", recipe);
        Assert.Contains("adaround 50 iterations", recipe);
        Assert.Contains("bias-corrected", recipe);
    }

    [Fact]
    public void Zero_adaround_iterations_is_bad_input()
    {
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", Path.Combine(_dir, "x.onnx"), "--calib", TestData.DemoDir + "/fashion-mnist:train",
            "--adaround", "--adaround-iters", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--adaround-iters", CliRunner.SingleErrorLine(r));
        Assert.False(File.Exists(Path.Combine(_dir, "x.onnx")));
    }
}
