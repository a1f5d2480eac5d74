using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Quanta.IR;

namespace Quanta.Runtime;

/// <summary>Where a model's time goes in ONNX Runtime, per op type: the first question when int8 is not faster than float.</summary>
/// <param name="OpType">The kernel's op type after ONNX Runtime's fusions (QLinearConv, FusedConv, MatMulNBits…).</param>
/// <param name="Nodes">Distinct nodes of that type that ran.</param>
/// <param name="MicrosecondsPerRun">Their summed kernel time, per run.</param>
internal sealed record OpTime(string OpType, int Nodes, double MicrosecondsPerRun);

/// <summary>
/// Per-op-type kernel times from ONNX Runtime's own profiler, over timed runs after a warm-up, on
/// the optimized graph ONNX Runtime actually executes (so fused and layout-converting nodes show
/// up as they run). Inputs are made as <see cref="BenchInputs"/> makes them.
/// </summary>
internal static class OpProfile
{
    public static List<OpTime> Measure(Model model, int threads, int batch, IReadOnlyDictionary<string, long[]> shapes, int runs = 50)
    {
        if (runs < 1) throw QuantaException.BadInput("profile runs must be at least 1");
        string folder = Directory.CreateTempSubdirectory("quanta-profile-").FullName;
        try
        {
            var inputs = ModelInputs.Of(model);
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = threads,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, // failures come back as exceptions (one line from the CLI); ORT's own log would print a second
            };
            using var warm = new InferenceSession(model.ToBytes(), options);
            var values = BenchInputs.Create(inputs, BenchInputs.EffectiveBatch(inputs, batch), shapes, seed: 0);
            try
            {
                // Warm up on a session of its own: the profile then holds timed runs only.
                using var run = new RunOptions();
                for (int i = 0; i < 5; i++) warm.Run(run, inputs.Names, values, warm.OutputNames).Dispose();
                // The prefix first: enabling profiling hands ONNX Runtime the prefix set at that moment.
                options.ProfileOutputPathPrefix = Path.Combine(folder, "profile");
                options.EnableProfiling = true;
                using var session = new InferenceSession(model.ToBytes(), options);
                for (int i = 0; i < runs; i++) session.Run(run, inputs.Names, values, session.OutputNames).Dispose();
                return Aggregate(session.EndProfiling(), runs);
            }
            finally
            {
                foreach (var v in values) v.Dispose();
            }
        }
        finally
        {
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    /// <summary>Sums the "Node" events' kernel times of ONNX Runtime's trace file by op type.</summary>
    static List<OpTime> Aggregate(string traceFile, int runs)
    {
        using var trace = JsonDocument.Parse(File.ReadAllText(traceFile));
        var micros = new Dictionary<string, double>();
        var nodes = new Dictionary<string, HashSet<string>>();
        foreach (var e in trace.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("cat", out var cat) || cat.GetString() != "Node") continue;
            string name = e.GetProperty("name").GetString() ?? "";
            if (!name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            if (!e.TryGetProperty("args", out var args) || !args.TryGetProperty("op_name", out var op)) continue;
            string opType = op.GetString() ?? "?";
            micros[opType] = micros.GetValueOrDefault(opType) + e.GetProperty("dur").GetDouble();
            (nodes.TryGetValue(opType, out var set) ? set : nodes[opType] = new HashSet<string>()).Add(name);
        }
        return micros.Select(kv => new OpTime(kv.Key, nodes[kv.Key].Count, kv.Value / runs))
            .OrderByDescending(t => t.MicrosecondsPerRun).ToList();
    }
}
