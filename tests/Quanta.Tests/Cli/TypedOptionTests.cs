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
    [InlineData("quantize", "--weight-type", "int32", "expected uint8, int8, uint16, int16, uint4, int4, got")]   // int32 is only a bias container
    [InlineData("eval", "--metric", "f1", "top1, agreement, cosine, sqnr, perplexity")]
    [InlineData("tune", "--metric", "perplexity", "expected top1, agreement, cosine, sqnr, got")]   // perplexity is eval's alone
    [InlineData("sensitivity", "--metric", "bleu", "expected top1, agreement, cosine, sqnr, got")]
    [InlineData("eval", "--layout", "chwn", "expected nchw, nhwc, got")]
    public void An_unknown_value_is_bad_input_listing_the_enum_names(string verb, string flag, string value, string expected)
    {
        string model = TestData.Model("fmnist_cnn.onnx"), train = TestData.DemoDir + "/fashion-mnist:train", test = TestData.DemoDir + "/fashion-mnist:test";
        string[] mode = flag switch { "--kernel" => ["--mode", "dynamic"], "--algorithm" => ["--mode", "weight-only"], _ => [] };
        string[] args = verb switch
        {
            "qat" => ["qat", model, "-o", "/tmp/never.onnx", "--train", test, flag, value],
            "eval" => ["eval", model, "--data", test, flag, value],
            "tune" => ["tune", model, "-o", "/tmp/never.onnx", "--calib", train, "--data", test, flag, value],
            "sensitivity" => ["sensitivity", model, "--calib", train, "--data", test, flag, value],
            _ => ["quantize", model, "-o", "/tmp/never.onnx", .. mode, flag, value],
        };
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
    [InlineData("COSINE", "error: --metric cosine: compares with a float model; give it with --reference FLOAT")]
    [InlineData("Perplexity", "error: --text: required for --metric perplexity (a text file)")]
    public void Metric_names_are_case_insensitive_and_their_rules_hold(string metric, string expected)
    {
        var r = CliRunner.Run("eval", TestData.Model("fmnist_cnn.onnx"), "--data", TestData.DemoDir + "/fashion-mnist:test", "--metric", metric);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(expected, CliRunner.SingleErrorLine(r));
    }

    [Theory]
    [InlineData("quantize", "--mode", "static")]
    [InlineData("quantize", "--algorithm", "rtn")]
    [InlineData("quantize", "--kernel", "fused")]
    [InlineData("quantize", "--objective", "auto")]
    [InlineData("tune", "--objective", "size")]
    [InlineData("qat", "--weights", "uniform")]
    [InlineData("qat", "--optimizer", "sgd")]
    [InlineData("qat", "--method", "minmax")]
    [InlineData("eval", "--layout", "nchw")]
    public void Help_shows_an_enum_default_by_the_name_users_type(string verb, string flag, string name)
    {
        var r = CliRunner.Run(verb, "--help");
        Assert.Equal(0, r.ExitCode);
        string line = r.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith(flag + " ", StringComparison.Ordinal));
        Assert.EndsWith($"[default: {name}]", line.TrimEnd());
    }

    [Fact]
    public void No_help_shows_a_default_as_a_CSharp_identifier()
    {
        var defaults = new List<string>();
        foreach (var verb in new[] { "inspect", "quantize", "eval", "bench", "compare", "sensitivity", "tune", "qat", "demo", "detect" })
        {
            var r = CliRunner.Run(verb, "--help");
            Assert.Equal(0, r.ExitCode);
            defaults.AddRange(System.Text.RegularExpressions.Regex.Matches(r.Stdout, @"\[default: ([^\]]*)\]").Select(m => m.Groups[1].Value));
        }
        Assert.Contains("static", defaults);
        Assert.All(defaults, d => Assert.Equal(d.ToLowerInvariant(), d));
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
