using Google.Protobuf;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.Cli;

/// <summary>Every kind of bad input ends with exit code 2 and one line naming the problem.</summary>
public class BadInputTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void TruncatedModel()
    {
        var bytes = File.ReadAllBytes(TestData.Model("fmnist_cnn.onnx"));
        string path = Write("truncated.onnx", bytes[..(bytes.Length / 2)]);
        var r = CliRunner.Run("inspect", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("truncated.onnx", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void TextFileRenamedOnnx()
    {
        string path = Write("notes.onnx", "These are my notes, not a model.\nSecond line.\n"u8.ToArray());
        var r = CliRunner.Run("eval", path, "--data", TestData.DemoDir + "/fashion-mnist:test");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("notes.onnx", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void MissingModel()
    {
        var r = CliRunner.Run("bench", Path.Combine(_dir, "nope.onnx"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not found", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void BenchNamesAMistypedOptionInsteadOfTakingItForAModel()
    {
        var r = CliRunner.Run("bench", TestData.Model("fmnist_cnn.onnx"), "--thread", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option '--thread'", CliRunner.SingleErrorLine(r));
    }

    [Theory]
    [InlineData("--accuracy-level", "9", "expected 0 (float), 1 (float32), 2 (float16), 3 (bfloat16) or 4 (int8, the default), got 9")]
    [InlineData("--bits", "5", "expected 2, 3, 4 or 8, got 5")]
    [InlineData("--block", "48", "expected a power of two ≥ 16 (32, 64, 128), got 48")]
    public void WeightOnlyNumbersOutOfRangeAreNamedAndNothingIsWritten(string flag, string value, string expected)
    {
        string output = Path.Combine(_dir, "never.onnx");
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", output, "--mode", "weight-only", flag, value);
        Assert.Equal(2, r.ExitCode);
        string line = CliRunner.SingleErrorLine(r);
        Assert.Contains(flag, line);
        Assert.Contains(expected, line);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void UnknownVerbIsNamed()
    {
        var r = CliRunner.Run("quantise", TestData.Model("fmnist_cnn.onnx"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Unrecognized command or argument 'quantise'", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void BenchComparisonWithoutRoundsIsRefused()
    {
        string model = TestData.Model("fmnist_cnn.onnx");
        var r = CliRunner.Run("bench", model, model, "--rounds", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--rounds must be at least 1", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void BenchWithoutStreamsIsRefused()
    {
        var r = CliRunner.Run("bench", TestData.Model("fmnist_cnn.onnx"), "--streams", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--streams must be at least 1", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void DataFolderWithoutIdx()
    {
        Write("empty-data/readme.txt", "nothing here"u8.ToArray());
        var r = CliRunner.Run("eval", TestData.Model("fmnist_cnn.onnx"), "--data", Path.Combine(_dir, "empty-data") + ":test");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("empty-data", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void ExternalDataOutsideTheModelFolder()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Model("fmnist_cnn.onnx")));
        var tensor = model.Graph.Initializer[0];
        tensor.ClearRawData();
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "../../etc/passwd" });
        string path = Write("inner/escape.onnx", model.ToByteArray());
        var r = CliRunner.Run("inspect", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("escapes the model's folder", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void UnknownOptionIsUsageError()
    {
        var r = CliRunner.Run("eval", TestData.Model("fmnist_cnn.onnx"), "--no-such-flag");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--no-such-flag", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void NaNInCalibrationData()
    {
        // A .npy of 4 samples [1,28,28] float32 with one NaN.
        var values = new float[4 * 28 * 28];
        values[100] = float.NaN;
        string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 1, 28, 28), }";
        header = header.PadRight(118 - 10) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange(new byte[] { 1, 0, (byte)header.Length, 0 });
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(header));
        bytes.AddRange(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        string npy = Write("nan.npy", bytes.ToArray());
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", Path.Combine(_dir, "out.onnx"), "--calib", npy);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("NaN", CliRunner.SingleErrorLine(r));
        Assert.False(File.Exists(Path.Combine(_dir, "out.onnx")), "no half-written output");
    }

    [Fact]
    public void UnknownRecipeValueIsReported()
    {
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", Path.Combine(_dir, "o.onnx"),
            "--calib", TestData.DemoDir + "/fashion-mnist:train", "--weight-type", "int3");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("int3", CliRunner.SingleErrorLine(r));
    }
}
