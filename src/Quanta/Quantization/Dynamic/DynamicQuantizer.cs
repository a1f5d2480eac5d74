using System.Diagnostics;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Runtime;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// Dynamic post-training quantization: weights of MatMul, Gemm and Conv become integers now,
/// activations are quantized at run time from their own range. No calibration data.
/// </summary>
public static class DynamicQuantizer
{
    static readonly IDynamicOp[] Ops = [new DynamicMatMul(), new DynamicGemm(), new DynamicConv()];

    public static IReadOnlyList<string> Supported { get; } = Ops.Select(o => o.OpType).ToArray();

    public static ModeResult Quantize(Model input, DynamicOptions options, Hardware? hardware = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        var clock = Stopwatch.StartNew();
        var target = options.Target is { } t ? Targets.Parse(t) : Targets.For(hardware ?? Hardware.Detect());
        var spec = options.WeightSpec(target);

        var model = PassPipeline.Run(input, PassPipeline.Normalize, out _);
        var g = model.Graph;
        var c = new DynamicContext(g, spec, options.PerChannel, options.Kernel);
        var spill = TensorSpill.For(model); // one weight in memory at a time when the model is on disk

        var converted = new Dictionary<string, int>();
        var kept = new List<KeptFloat>();
        foreach (var node in g.Nodes.ToList())
        {
            var op = Array.Find(Ops, o => o.OpType == node.OpType && node.Domain is "" or "ai.onnx");
            if (op is null || !options.OpTypes.Contains(op.OpType)) continue;
            if (options.Exclude.Any(p => Glob.Matches(p, node.Name)))
            {
                kept.Add(new KeptFloat(node.Name, node.OpType, "excluded"));
                continue;
            }
            if (op.Rewrite(node, c) is { } reason) kept.Add(new KeptFloat(node.Name, node.OpType, reason));
            else converted[node.OpType] = converted.GetValueOrDefault(node.OpType) + 1;
            spill?.Offload(g);
        }
        if (c.UsesMsDomain && model.Opset("com.microsoft") == 0) model.SetOpset("com.microsoft", 1);
        if (model.Opset() < 11) model.SetOpset("", 11); // DynamicQuantizeLinear
        g.SortTopologically();

        string recipe = Describe(options, spec, target);
        ModelStamp.Apply(model, recipe);
        var notes = new List<string>();
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
            ? $"warning: {conv} of {conv + matmul} quantized nodes are Conv; dynamic Conv (ConvInteger + rescale) is slower than static quantization in ONNX Runtime on CPU — prefer static (--mode static --calib …) for this model"
            : null;
    }

    static string Describe(DynamicOptions o, QuantSpec spec, Target target) =>
        $"dynamic, activations uint8 at run time, weights {spec.Type.Name()}{(spec.ReduceRange ? " 7-bit" : "")}" +
        $"{(spec.Symmetric ? " symmetric" : "")} {(o.PerChannel ? "per-channel" : "per-tensor")} (Conv uint8 per-tensor), " +
        $"kernel {o.Kernel.ToString().ToLowerInvariant()}, target {target.Name}";
}
