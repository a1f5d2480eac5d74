namespace Quanta.Tests.Cli;

/// <summary>Enum-valued flags are typed: the names come from the library's enums, any case is accepted, anything else is exit 2 listing the choices.</summary>
public sealed class TypedOptionTests
{
    [Theory]
    [InlineData("qat", "--optimizer", "adam", "sgd, adamw")]
    [InlineData("qat", "--weights", "quaternary", "uniform, ternary, binary")]
    [InlineData("quantize", "--kernel", "turbo", "fused, standard")]
    [InlineData("quantize", "--algorithm", "magic", "rtn, hqq, gptq, awq")]
    public void An_unknown_value_is_bad_input_listing_the_enum_names(string verb, string flag, string value, string expected)
    {
        string[] args = verb == "qat"
            ? ["qat", TestData.Model("fmnist_cnn.onnx"), "-o", "/tmp/never.onnx", "--train", TestData.DemoDir + "/fashion-mnist:test", flag, value]
            : ["quantize", TestData.Model("fmnist_cnn.onnx"), "-o", "/tmp/never.onnx", "--mode", flag == "--kernel" ? "dynamic" : "weight-only", flag, value];
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        string line = CliRunner.SingleErrorLine(r);
        Assert.Contains(flag, line);
        Assert.Contains(expected, line);
        Assert.False(File.Exists("/tmp/never.onnx"));
    }

    [Fact]
    public void Values_are_case_insensitive_and_defaults_come_from_the_library()
    {
        string output = Path.Combine(Directory.CreateTempSubdirectory("quanta-typed-").FullName, "dyn.onnx");
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", output, "--mode", "dynamic", "--kernel", "STANDARD");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("standard kernel, weights " + new Quanta.Quantization.Dynamic.DynamicOptions().WeightType, r.Stderr + r.Stdout);
        Directory.Delete(Path.GetDirectoryName(output)!, true);
    }
}
