using System.Text.Json;
using Quanta.IR;
using Quanta.Tests.Cli;
using Quanta.Tests.Data;

namespace Quanta.Tests.Latency;

/// <summary>`quantize --objective/--bench-batch/--bench-threads` and `tune --objective` through the real command line.</summary>
public class PlacementCliTests
{
    static readonly string[] Calib = ["--calib", TestData.DemoDir + "/fashion-mnist:train", "--calib-count", "64", "--mean", "0.2860", "--std", "0.3530"];

    static (CliRunner.Result Run, JsonElement Json) Quantize(TempDir dir, params string[] flags)
    {
        var r = CliRunner.Run(["quantize", TestData.Model("fmnist_cnn.onnx"), "-o", dir["q.onnx"], .. Calib, "--json", .. flags]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return (r, JsonDocument.Parse(r.Stdout).RootElement);
    }

    [Fact]
    public void Help_lists_the_objective_flags()
    {
        foreach (var verb in new[] { "quantize", "tune" })
        {
            var r = CliRunner.Run(verb, "--help");
            Assert.Equal(0, r.ExitCode);
            foreach (var flag in new[] { "--objective", "--bench-batch", "--bench-threads" }) Assert.Contains(flag, r.Stdout);
        }
    }

    [Theory]
    [InlineData("--objective", "fast", "--objective: expected auto, latency, size, accuracy, got 'fast'")]
    [InlineData("--bench-batch", "0", "--bench-batch must be at least 1, got 0")]
    [InlineData("--bench-threads", "-1", "--bench-threads must be 0 (all cores) or more, got -1")]
    public void Bad_values_end_with_one_line_and_exit_2(string flag, string value, string message)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(["quantize", TestData.Model("fmnist_cnn.onnx"), "-o", dir["q.onnx"], .. Calib, flag, value]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: " + message, CliRunner.SingleErrorLine(r));
        Assert.False(File.Exists(dir["q.onnx"]));
        var t = CliRunner.Run(["tune", TestData.Model("fmnist_cnn.onnx"), "-o", dir["t.onnx"], .. Calib, "--data", TestData.DemoDir + "/fashion-mnist:test", "--max-drop", "1", flag, value]);
        Assert.Equal(2, t.ExitCode);
        Assert.StartsWith("error: " + message, CliRunner.SingleErrorLine(t));
    }

    [Fact]
    public void Objective_latency_reports_each_region_and_the_speedup_in_json_text_and_metadata()
    {
        using var dir = new TempDir();
        var (_, json) = Quantize(dir, "--objective", "latency");
        var p = json.GetProperty("placement");
        Assert.True(p.GetProperty("searched").GetBoolean());
        var regions = p.GetProperty("regions").EnumerateArray().ToList();
        Assert.NotEmpty(regions);
        if (p.GetProperty("regionsIn").GetString() == "int8")
            foreach (var r in regions)
                Assert.Equal(r.GetProperty("speedup").GetDouble() >= 1.02, r.GetProperty("keptInt8").GetBoolean());
        Assert.Equal("latency", json.GetProperty("placement").GetProperty("objective").GetString());
        // The never-slower guard: what was written measured at least as fast as float (float everywhere counts as 1.0×).
        Assert.True(p.GetProperty("speedup").GetDouble() >= 1.0);
        Assert.Contains(p.GetProperty("regionsIn").GetString(), new[] { "int8", "float" });
        Assert.StartsWith("objective latency, batch 1, 1 threads", Model.Load(dir["q.onnx"]).Metadata("quanta.placement"));

        var text = CliRunner.Run(["quantize", TestData.Model("fmnist_cnn.onnx"), "-o", dir["q2.onnx"], .. Calib, "--objective", "latency"]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("R1", text.Stdout);
        Assert.Matches(@"speed-up at batch 1, 1 thread: [0-9.]+× float", text.Stdout);
    }

    [Fact]
    public void Objective_size_writes_without_timing()
    {
        using var dir = new TempDir();
        var (_, json) = Quantize(dir, "--objective", "size");
        Assert.False(json.TryGetProperty("placement", out _));
        Assert.Null(Model.Load(dir["q.onnx"]).Metadata("quanta.placement"));
    }

    [Fact]
    public void Bench_batch_and_threads_set_where_the_timings_run()
    {
        using var dir = new TempDir();
        var (_, json) = Quantize(dir, "--objective", "auto", "--bench-batch", "4", "--bench-threads", "2");
        var p = json.GetProperty("placement");
        Assert.Equal(4, p.GetProperty("batch").GetInt32());
        Assert.Equal(2, p.GetProperty("threads").GetInt32());
        Assert.Equal("auto", p.GetProperty("objective").GetString());
        // auto searched regions only if its first whole-model check found int8 not faster (then regions are judged in the
        // float plan); int8Speedup comes from the later, longer timing and may land on either side of 1.
        Assert.Equal(p.GetProperty("regionsIn").GetString() == "float", p.GetProperty("searched").GetBoolean());
    }
}
