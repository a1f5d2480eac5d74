using System.Diagnostics;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Quantization.Embedding;
using Quanta.Runtime;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// Dynamic post-training quantization: weights of MatMul, Gemm, Conv and LSTM become integers now,
/// activations are quantized at run time from their own range. No calibration data. Nodes inside
/// If/Loop/Scan bodies are rewritten like the main graph's.
/// </summary>
public static class DynamicQuantizer
{
    static readonly IDynamicOp[] Ops = [new DynamicLinear("MatMul"), new DynamicLinear("Gemm"), new DynamicConv(), new DynamicLstm()];

    /// <summary>Operators with weights that stay float in dynamic mode, and why (shown in the summary).</summary>
    static readonly Dictionary<string, string> KeptFloatOps = new() { ["GRU"] = "no integer GRU kernel in ONNX Runtime" };

    /// <summary>The per-node rewrites' op types, and Gather for embedding tables (whole tables, see <see cref="EmbeddingQuantizer"/>).</summary>
    public static IReadOnlyList<string> Supported { get; } = [.. Ops.Select(o => o.OpType), EmbeddingQuantizer.OpType];

    public static ModeResult Quantize(Model input, DynamicOptions options, Hardware? hardware = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        var clock = Stopwatch.StartNew();
        var target = options.Target ?? Targets.For(hardware ?? Hardware.Detect());
        var spec = options.WeightSpec(target);

        var model = PassPipeline.Run(input, PassPipeline.Normalize, out _);
        var spill = TensorSpill.For(model); // one weight in memory at a time when the model is on disk
        var converted = new Dictionary<string, int>();
        var kept = new List<KeptFloat>();
        var exclude = new Glob(options.Exclude);
        var notes = new List<string>();
        bool usesMsDomain = false;
        // Tables first: a projection tied to a table is rewritten with it, not from its own copy below.
        if (options.OpTypes.Contains(EmbeddingQuantizer.OpType))
        {
            var embeddings = EmbeddingQuantizer.Apply(model.Graph, EmbeddingSettings.PerRow8, options.Exclude);
            foreach (var (op, n) in embeddings.Converted) converted[op] = n;
            kept.AddRange(embeddings.Kept);
            notes.AddRange(embeddings.Notes);
            usesMsDomain |= embeddings.UsesMsDomain;
        }
        // Control-flow bodies are graphs like the main one: each is rewritten with its own context.
        foreach (var g in model.Graph.Scopes().ToList())
        {
            var c = new DynamicContext(g, spec, options.PerChannel, options.Kernel);
            foreach (var node in g.Nodes.ToList())
            {
                if (node.Domain is not ("" or "ai.onnx")) continue;
                if (KeptFloatOps.TryGetValue(node.OpType, out var why)) { kept.Add(new KeptFloat(node.Name, node.OpType, why)); continue; }
                var op = Array.Find(Ops, o => o.OpType == node.OpType);
                if (op is null || !options.OpTypes.Contains(op.OpType)) continue;
                if (exclude.Matches(node.Name))
                {
                    kept.Add(new KeptFloat(node.Name, node.OpType, "excluded"));
                    continue;
                }
                if (op.Rewrite(node, c) is { } reason) kept.Add(new KeptFloat(node.Name, node.OpType, reason));
                else converted[node.OpType] = converted.GetValueOrDefault(node.OpType) + 1;
                spill?.Offload(g);
            }
            usesMsDomain |= c.UsesMsDomain;
            g.SortTopologically();
        }
        if (usesMsDomain && model.Opset("com.microsoft") == 0) model.SetOpset("com.microsoft", 1);
        if (model.Opset() < 11) model.SetOpset("", 11); // DynamicQuantizeLinear

        string recipe = Describe(options, spec, target);
        ModelStamp.Apply(model, recipe);
        if (SlowerThanStatic(converted) is { } warning) notes.Add(warning);
        return new ModeResult(model, "dynamic", recipe, converted, kept, notes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// A rule from the op mix, checked against measurements on the reference CNNs (BENCHMARKS.md):
    /// ConvInteger in ONNX Runtime's CPU provider runs im2col plus an integer GEMM and then
    /// float rescaling as separate nodes, where static QDQ Conv runs one fused QLinearConv, so a
    /// model whose quantized work is mostly Conv is slower dynamic than static.
    /// </summary>
    static string? SlowerThanStatic(Dictionary<string, int> converted)
    {
        int conv = converted.GetValueOrDefault("Conv");
        int matmul = converted.GetValueOrDefault("MatMul") + converted.GetValueOrDefault("Gemm");
        return conv > 0 && conv >= matmul
            ? $"warning: {conv} of {conv + matmul} quantized nodes are Conv; dynamic Conv (ConvInteger + rescale) is slower than static quantization in ONNX Runtime on CPU — prefer static quantization (with calibration data) for this model"
            : null;
    }

    static string Describe(DynamicOptions o, QuantSpec spec, Target target) =>
        $"dynamic, activations uint8 at run time, weights {spec.Type.Name()}{(spec.ReduceRange ? " 7-bit" : "")}" +
        $"{(spec.Symmetric ? " symmetric" : "")} {(o.PerChannel ? "per-channel" : "per-tensor")} (Conv uint8 per-tensor), " +
        $"kernel {OptionNames.Of(o.Kernel)}, " +
        $"{(o.OpTypes.Contains(EmbeddingQuantizer.OpType) ? EmbeddingSettings.PerRow8.Describe() + ", " : "")}target {target.Name}";
}
