using System.Diagnostics;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Runtime;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Weight-only quantization: MatMul/Gemm weights in blocks of 2, 4 or 8 bits (RTN, HQQ or GPTQ),
/// activations float, so LayerNorm, Softmax and everything else is untouched.
/// </summary>
public static class WeightOnlyQuantizer
{
    const int BlockedDequantizeOpset = 21;

    public static ModeResult Quantize(Model input, WeightOnlyOptions options, IDataset? calibration = null,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        if (options.Algorithm == WeightOnlyAlgorithm.Gptq && calibration is null)
            throw QuantaException.BadInput("--calib: required for --algorithm gptq (it minimises the layer output error on calibration inputs)");
        var clock = Stopwatch.StartNew();
        var model = PassPipeline.Run(input, PassPipeline.Normalize, out _);
        var g = model.Graph;
        var notes = new List<string>();
        if (options.Format == WeightOnlyFormat.Qdq) RaiseOpsetForBlockedDequantize(model);

        var layers = new List<LinearLayer>();
        var kept = new List<KeptFloat>();
        foreach (var node in g.Nodes.ToList())
        {
            if (node.Domain is not ("" or "ai.onnx") || !options.OpTypes.Contains(node.OpType)) continue;
            if (options.Exclude.Any(p => Glob.Matches(p, node.Name))) { kept.Add(new KeptFloat(node.Name, node.OpType, "excluded")); continue; }
            var (layer, reason) = LinearLayer.Find(g, node, fuseBias: options.Format == WeightOnlyFormat.MatMulNBits);
            if (layer is null) kept.Add(new KeptFloat(node.Name, node.OpType, reason!));
            else if (layer.K < options.BlockSize / 2) kept.Add(new KeptFloat(node.Name, node.OpType, $"K = {layer.K} is far below the block size"));
            else layers.Add(layer);
        }

        Dictionary<string, double[]>? hessians = null;
        if (options.Algorithm == WeightOnlyAlgorithm.Gptq)
        {
            var inputs = new Dictionary<string, int>();
            foreach (var l in layers) inputs[l.Input] = l.K;
            hessians = HessianCollector.Collect(model, inputs, calibration!, options.CalibBatch, runtime, progress);
        }

        // Layer by layer: read one weight (from disk when the model has external data), quantize it,
        // write its nodes, and move the new tensors to the spill file, so memory never holds more
        // than one layer's weight whatever the model size. In-memory models take the same loop.
        var spill = TensorSpill.For(model);
        var grid = new BlockGrid(options.Bits, options.Symmetric);
        var converted = new Dictionary<string, int>();
        int done = 0;
        foreach (var layer in layers)
        {
            var w = layer.ReadWeight();
            var q = options.Algorithm switch
            {
                WeightOnlyAlgorithm.Hqq => HqqQuantizer.Quantize(w, layer.K, layer.N, options.BlockSize, grid, options.HqqIterations),
                WeightOnlyAlgorithm.Gptq => GptqQuantizer.Quantize(w, layer.K, layer.N, hessians![layer.Input], options.BlockSize, grid, options.GptqDamp),
                _ => RtnQuantizer.Quantize(w, layer.K, layer.N, options.BlockSize, grid),
            };
            if (options.Format == WeightOnlyFormat.MatMulNBits) MatMulNBitsWriter.Write(g, layer, q, options.Symmetric);
            else BlockedQdqWriter.Write(g, layer, q, options.Symmetric);
            NodeKit.RemoveReplaced(g, layer.Replaced);
            spill?.Offload(g);
            converted[layer.Node.OpType] = converted.GetValueOrDefault(layer.Node.OpType) + 1;
            progress?.Report(new WorkProgress("quantizing weights", ++done, layers.Count));
        }

        if (options.Format == WeightOnlyFormat.MatMulNBits && layers.Count > 0 && model.Opset("com.microsoft") == 0) model.SetOpset("com.microsoft", 1);
        if (options.Format == WeightOnlyFormat.Qdq && options.Bits == 2) notes.Add("2-bit weights are stored in 4-bit containers in QDQ format (ONNX int2 needs opset 25); use the default MatMulNBits format for packed 2-bit storage");
        if (options.Format == WeightOnlyFormat.Qdq && options.Algorithm == WeightOnlyAlgorithm.Hqq) notes.Add("HQQ's fractional zero points were rounded to integers for DequantizeLinear; MatMulNBits keeps them exact");
        g.SortTopologically();
        string recipe = options.Describe();
        ModelStamp.Apply(model, recipe, calibration is null || options.Algorithm != WeightOnlyAlgorithm.Gptq ? null
            : $"{calibration.Description}; {calibration.Count} samples, seed {options.Seed}");
        return new ModeResult(model, "weight-only", recipe, converted, kept, notes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Blocked DequantizeLinear needs opset 21. Between the prepared model's opset (≥ 13) and 21 the
    /// only default-domain change that alters meaning is opset 18's move of the Reduce* ops' axes
    /// from an attribute to an input, so a graph with such a node is refused rather than rewritten.
    /// </summary>
    static void RaiseOpsetForBlockedDequantize(Model model)
    {
        if (model.Opset() >= BlockedDequantizeOpset) return;
        var reduce = model.Graph.Nodes.FirstOrDefault(n => n.Domain is "" or "ai.onnx" && n.OpType.StartsWith("Reduce", StringComparison.Ordinal)
            && n.OpType != "ReduceSum" && NodeKit.Attr(n, "axes") is not null);
        if (reduce is not null)
            throw QuantaException.BadInput($"--format qdq: blocked DequantizeLinear needs opset 21 and node '{reduce.Name}' ({reduce.OpType}) uses opset-{model.Opset()} axes; use --format matmulnbits");
        model.SetOpset("", BlockedDequantizeOpset);
        if (model.Proto.IrVersion < 10) model.Proto.IrVersion = 10;
    }
}
