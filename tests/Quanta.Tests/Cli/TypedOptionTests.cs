namespace Quanta.Tests.Cli;

/// <summary>Enum-valued flags are typed: the names come from the library's enums, any case is accepted, anything else is exit 2 listing the choices.</summary>
public sealed class TypedOptionTests
{
    [Theory]
    [InlineData("qat", "--optimizer", "adam", "sgd, adamw")]
    [InlineData("qat", "--weights", "quaternary", "uniform, ternary, binary")]
    [InlineData("quantize", "--kernel", "turbo", "fused, standard")]
    [InlineData("quantize", "--algorithm", "magic", "rtn, hqq, gptq, awq")]
    [InlineData("quantize", "--method", "kmeans", "minmax, moving-average, meanstd, percentile, entropy, mse, auto")]
    [InlineData("qat", "--method", "kmeans", "minmax, moving-average, meanstd, percentile, entropy, mse, auto")]
    [InlineData("quantize", "--mode", "int3", "static, dynamic, weight-only, fp16, bf16")]
    [InlineData("quantize", "--format", "onnx", "qdq, qoperator, matmulnbits")]
    [InlineData("quantize", "--target", "riscv", "x86-avx2, x86-vnni, arm64, generic")]
    [InlineData("quantize", "--activation-type", "int3", "uint8, int8, uint16, int16, uint4, int4")]
    [InlineData("quantize", "--weight-type", "fp8", "uint8, int8, uint16, int16, uint4, int4")]
    [InlineData("quantize", "--objective", "fast", "auto, latency, size, accuracy")]
    public void An_unknown_value_is_bad_input_listing_the_enum_names(string verb, string flag, string value, string expected)
    {
        string[] mode = flag switch { "--kernel" => ["--mode", "dynamic"], "--algorithm" => ["--mode", "weight-only"], _ => [] };
        string[] args = verb == "qat"
            ? ["qat", TestData.Model("fmnist_cnn.onnx"), "-o", "/tmp/never.onnx", "--train", TestData.DemoDir + "/fashion-mnist:test", flag, value]
            : ["quantize", TestData.Model("fmnist_cnn.onnx"), "-o", "/tmp/never.onnx", .. mode, flag, value];
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
        Assert.Contains("standard kernel, weights " + Quanta.Numerics.QuantTypeInfo.Name(new Quanta.Quantization.Dynamic.DynamicOptions().WeightType), r.Stderr + r.Stdout);
        Directory.Delete(Path.GetDirectoryName(output)!, true);
    }

    [Theory]
    [InlineData("weight-only", "qoperator", "--format (weight-only): expected matmulnbits, qdq, got 'qoperator'")]
    [InlineData("static", "matmulnbits", "--format (static quantization): expected qdq, qoperator, got 'matmulnbits'")]
    public void A_format_of_another_mode_is_bad_input_naming_the_modes_formats(string mode, string format, string expected)
    {
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", "/tmp/never.onnx", "--mode", mode, "--format", format,
            "--calib", TestData.DemoDir + "/fashion-mnist:train");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: " + expected, CliRunner.SingleErrorLine(r));
        Assert.False(File.Exists("/tmp/never.onnx"));
    }

    [Fact]
    public void Library_messages_that_name_a_property_show_the_flag_the_user_typed()
    {
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_cnn.onnx"), "-o", "/tmp/never.onnx", "--calib", "/nowhere", "--calib-count", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: --calib-count must be at least 1, got 0", CliRunner.SingleErrorLine(r));
    }
}
