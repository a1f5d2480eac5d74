using Quanta.Data;
using Quanta.IR;
using Quanta.Quantization.WeightOnly;
using Quanta.Runtime;
using Quanta.Tests.Cli;
using Quanta.Tests.Data;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Modes;

/// <summary>AWQ against round-to-nearest on activations with outlier channels, and the 8-bit layer choice.</summary>
public class AwqTests : IDisposable
{
    const int M = 32, K = 128, N = 48;
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-awq-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Rows of x [rows, K] where a few channels are 40× larger, as LayerNorm outputs of language models are.</summary>
    static float[] Activations(int rows, int seed)
    {
        var x = TinyModels.Random(rows * K, seed);
        for (int r = 0; r < rows; r++)
            foreach (int c in new[] { 3, 17, 60, 101 }) x[r * K + c] *= 40;
        return x;
    }

    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    public void AwqLowersTheOutputErrorOfRtnOnOutlierChannels(int bits)
    {
        var w = TinyModels.Random(K * N, seed: 5);
        string calib = Path.Combine(_dir, "calib.npy");
        File.WriteAllBytes(calib, Writers.Npy(Activations(8 * M, seed: 6), [8 * M, K]));
        var data = DataSource.Open(calib, new DataOptions(Preprocessing.Identity));
        var model = TinyModels.MatMul(M, K, N, w);
        var x = Activations(M, seed: 7); // held out: not the calibration rows
        var exact = TinyModels.Multiply(x, w, M, K, N);

        double Error(WeightOnlyAlgorithm algorithm)
        {
            var options = new WeightOnlyOptions { Bits = bits, Algorithm = algorithm, CalibBatch = M };
            var result = WeightOnlyQuantizer.Quantize(model, options, algorithm == WeightOnlyAlgorithm.Awq ? data : null);
            using var runner = new ModelRunner(Q.SavedAndLoaded(result.Model));
            var y = runner.Run(x, [M, K])[0].Values;
            double e = 0;
            for (int i = 0; i < y.Length; i++) e += (y[i] - exact[i]) * (double)(y[i] - exact[i]);
            return e / y.Length;
        }

        double rtn = Error(WeightOnlyAlgorithm.Rtn), awq = Error(WeightOnlyAlgorithm.Awq);
        Assert.True(awq < 0.8 * rtn, $"AWQ output MSE {awq:G4} vs RTN {rtn:G4}");
    }

    [Fact]
    public void AwqFoldsItsScaleIntoTheInputOrAMulAndKeepsTheFloatFunction()
    {
        // 8-bit blocks make rounding nearly exact, so any error left is a wrong fold of 1/s.
        var w = TinyModels.Random(K * N, seed: 8);
        string calib = Path.Combine(_dir, "calib8.npy");
        File.WriteAllBytes(calib, Writers.Npy(Activations(4 * M, seed: 9), [4 * M, K]));
        var data = DataSource.Open(calib, new DataOptions(Preprocessing.Identity));
        var result = WeightOnlyQuantizer.Quantize(TinyModels.MatMul(M, K, N, w), new WeightOnlyOptions { Bits = 8, Algorithm = WeightOnlyAlgorithm.Awq, CalibBatch = M }, data);
        Assert.Contains(result.Model.Graph.Nodes, n => n.OpType == "Mul"); // graph input: nothing to fold into
        var x = Activations(M, seed: 10);
        var exact = TinyModels.Multiply(x, w, M, K, N);
        using var runner = new ModelRunner(Q.SavedAndLoaded(result.Model));
        var y = runner.Run(x, [M, K])[0].Values;
        double scale = exact.Max(v => Math.Abs(v));
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - exact[i]) < 0.02 * scale, $"y[{i}] = {y[i]}, expected {exact[i]}");
    }

    [Theory]
    [InlineData(new[] { "mm" }, false, 8)]
    [InlineData(new[] { "m*" }, false, 8)]
    [InlineData(new[] { "other" }, false, 4)]
    [InlineData(new string[0], true, 8)]   // auto: the layer that makes the model output is lm_head
    [InlineData(new string[0], false, 4)]
    public void Keep8BitNamesAndAutoPickTheLayers(string[] names, bool auto, int expectedBits)
    {
        var model = TinyModels.MatMul(M, K, N, TinyModels.Random(K * N, seed: 11));
        var result = WeightOnlyQuantizer.Quantize(model, new WeightOnlyOptions { Bits = 4, Keep8Bit = names, Keep8BitAuto = auto });
        var node = Assert.Single(result.Model.Graph.Nodes, n => n.OpType == "MatMulNBits");
        Assert.Equal(expectedBits, node.Attribute.Single(a => a.Name == "bits").I);
    }

    [Fact]
    public void CliKeeps8BitLayersByNameAndNeedsCalibForAwq()
    {
        string input = Path.Combine(_dir, "mm.onnx"), output = Path.Combine(_dir, "mm.w4.onnx");
        TinyModels.MatMul(M, K, N, TinyModels.Random(K * N, seed: 13)).Save(input);
        var r = CliRunner.Run("quantize", input, "-o", output, "--mode", "weight-only", "--keep-8bit", "mm", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var node = Assert.Single(Model.Load(output).Graph.Nodes, n => n.OpType == "MatMulNBits");
        Assert.Equal(8, node.Attribute.Single(a => a.Name == "bits").I);
        r = CliRunner.Run("quantize", input, "-o", output, "--mode", "weight-only", "--algorithm", "awq");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--calib", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void AwqWithoutCalibrationIsBadInput()
    {
        var model = TinyModels.MatMul(M, K, N, TinyModels.Random(K * N, seed: 12));
        var e = Assert.Throws<QuantaException>(() => WeightOnlyQuantizer.Quantize(model, new WeightOnlyOptions { Algorithm = WeightOnlyAlgorithm.Awq }));
        Assert.Contains("calibration data", e.Message);
    }
}
