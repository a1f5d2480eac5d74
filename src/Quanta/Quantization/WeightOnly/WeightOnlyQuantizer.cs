using System.Diagnostics;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Quantization.Embedding;
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
        if (options.NeedsCalibration && calibration is null)
            throw QuantaException.BadInput($"calibration data is required for {OptionNames.Of(options.Algorithm)} (it minimises the layer output error on calibration inputs)");
        var clock = Stopwatch.StartNew();
        var model = PassPipeline.Run(input, PassPipeline.Normalize, out _);
        var g = model.Graph;
        var notes = new List<string>();
        if (options.Format == WeightOnlyFormat.Qdq) RaiseOpsetForBlockedDequantize(model);

        // Layers of control-flow bodies are found like the main graph's and rewritten in their own scope.
        var layers = new List<LinearLayer>();
        var scopeOf = new Dictionary<Onnx.Proto.NodeProto, Graph>();
        var kept = new List<KeptFloat>();
        var exclude = new Glob(options.Exclude);
        var converted = new Dictionary<string, int>();
        // Tables first: a projection tied to a table is rewritten with it, not from its own copy below.
        if (options.OpTypes.Contains(EmbeddingQuantizer.OpType))
        {
            var embeddings = EmbeddingQuantizer.Apply(g, options.Embeddings, options.Exclude);
            foreach (var (op, n) in embeddings.Converted) converted[op] = n;
            kept.AddRange(embeddings.Kept);
            notes.AddRange(embeddings.Notes);
            if (embeddings.UsesMsDomain && model.Opset("com.microsoft") == 0) model.SetOpset("com.microsoft", 1);
        }
        foreach (var scope in g.Scopes().ToList())
            foreach (var node in scope.Nodes.ToList())
            {
                if (node.Domain is not ("" or "ai.onnx")) continue;
                if (node.OpType is "LSTM" or "GRU") { kept.Add(new KeptFloat(node.Name, node.OpType, "weight-only covers MatMul/Gemm; ONNX Runtime has no blocked-weight recurrent kernel (dynamic quantization covers it)")); continue; }
                if (!options.OpTypes.Contains(node.OpType)) continue;
                if (exclude.Matches(node.Name)) { kept.Add(new KeptFloat(node.Name, node.OpType, "excluded")); continue; }
                var (layer, reason) = LinearLayer.Find(scope, node, fuseBias: options.Format == WeightOnlyFormat.MatMulNBits);
                if (layer is null) kept.Add(new KeptFloat(node.Name, node.OpType, reason!));
                else if (layer.K < options.BlockSize / 2) kept.Add(new KeptFloat(node.Name, node.OpType, $"K = {layer.K} is far below the block size"));
                else { layers.Add(layer); scopeOf[node] = scope; }
            }

        // GPTQ needs one Hessian per layer input and nothing else: collected block by block, each block's
        // layers quantized before the next block runs (AWQ and --keep-8bit auto rank all layers first).
        var segments = options.Algorithm == WeightOnlyAlgorithm.Gptq && calibration is not null && !options.Keep8BitAuto
            ? GraphSegments.Split(model, layers) : null;
        Dictionary<string, InputStatistics>? stats = null;
        if (calibration is not null && segments is null && (options.NeedsCalibration || options.Keep8BitAuto))
        {
            var inputs = new Dictionary<string, int>();
            foreach (var l in layers) inputs[l.Input] = l.K;
            stats = HessianCollector.CollectStatistics(model, inputs, calibration, options.CalibBatch, runtime, progress);
        }

        var eightBit = Keep8BitSelector.Choose(g, layers, options, stats);
        foreach (var (name, why) in eightBit) notes.Add($"{name}: 8-bit ({why})");
        BlockGrid GridOf(LinearLayer l) => new(eightBit.ContainsKey(l.Name) ? 8 : options.Bits, options.Symmetric);
        if (options.Algorithm == WeightOnlyAlgorithm.Awq) layers = ScaleForAwq(g, layers, stats!, GridOf, options.BlockSize, notes);

        // Layer by layer: read one weight (from disk when the model has external data), quantize it,
        // write its nodes, and move the new tensors to the spill file, so memory never holds more
        // than one layer's weight whatever the model size. In-memory models take the same loop.
        // Without calibration, the next layer's weight is read from disk while this one is quantized (one
        // weight ahead: reading and rounding overlap, memory grows by one weight at most); the first one
        // while the spill takes the tensors the output keeps. Round to nearest reads a float16 weight as
        // stored (RtnQuantizer widens it a strip at a time): half the bytes of a float copy.
        LayerWeight Read(LinearLayer l) => options.Algorithm == WeightOnlyAlgorithm.Rtn && l.ReadFloat16 is { } stored ? new(null, stored()) : new(l.ReadWeight(), null);
        Task<LayerWeight>? ahead = segments is null && layers.Count > 0 ? Task.Run(() => Read(layers[0])) : null;
        var spill = TensorSpill.For(model);
        bool bfloat16 = BFloat16Widening.Applies(model);
        if (spill is not null)
        {
            LargeGarbage.Release(); // the embedding step's float copies of its tables
            // The tensors the output keeps go to the spill first, in the graph's order, then each layer's
            // new ones as it is written: the spill is then laid out as the output's side file and becomes
            // it at save, with nothing copied. (A bfloat16 model's kept tensors are widened after the loop,
            // so their copies would be wasted: there the side file is written by copy.)
            if (!bfloat16)
            {
                var dropped = Dropped(g, layers);
                spill.Offload(g, ExternalData.SideFileThresholdBytes, keepFromDisk: t => !dropped.Contains(t.Name));
            }
        }
        int done = 0;
        if (segments is not null)
        {
            notes.Add($"GPTQ calibrated block by block: {segments.Count} segments of the graph run one at a time, each one's layers quantized before the next");
            BlockwiseCalibration.Run(model, segments, calibration!, options.CalibBatch, runtime, progress,
                (segment, hessians) => { foreach (var layer in segment.Layers) QuantizeLayer(layer, hessians[layer.Input].Hessian); });
        }
        else
        {
            for (int i = 0; i < layers.Count; i++)
            {
                var w = ahead!.GetAwaiter().GetResult();
                var next = i + 1 < layers.Count ? layers[i + 1] : null;
                ahead = next is null ? null : Task.Run(() => Read(next));
                QuantizeLayer(layers[i], stats?.GetValueOrDefault(layers[i].Input)?.Hessian, w);
            }
        }

        void QuantizeLayer(LinearLayer layer, double[]? hessian, LayerWeight? weight = null)
        {
            var scope = scopeOf[layer.Node];
            var grid = GridOf(layer);
            var (w, stored) = weight ?? new(layer.ReadWeight(), null);
            var q = (options.Algorithm, stored) switch
            {
                (_, { } float16) => RtnQuantizer.Quantize(float16, layer.K, layer.N, options.BlockSize, grid), // only round to nearest reads one
                (WeightOnlyAlgorithm.Hqq, _) => HqqQuantizer.Quantize(w!, layer.K, layer.N, options.BlockSize, grid, options.HqqIterations),
                (WeightOnlyAlgorithm.Gptq, _) => GptqQuantizer.Quantize(w!, layer.K, layer.N, hessian!, options.BlockSize, grid, options.GptqDamp),
                _ => RtnQuantizer.Quantize(w!, layer.K, layer.N, options.BlockSize, grid),
            };
            // ONNX Runtime has no bfloat16 MatMulNBits/DequantizeLinear on CPU: such layers get float scales (and the model float compute, below).
            var written = layer.ElementType == DataTypes.BFloat16 ? layer with { ElementType = DataTypes.Float } : layer;
            if (options.Format == WeightOnlyFormat.MatMulNBits) MatMulNBitsWriter.Write(scope, written, q, options.Symmetric, options.AccuracyLevel);
            else BlockedQdqWriter.Write(scope, written, q, options.Symmetric);
            NodeKit.RemoveReplaced(scope, layer.Replaced);
            spill?.Offload(scope, ExternalData.SideFileThresholdBytes);
            if (spill is not null) LargeGarbage.ReleaseOverBudget();
            converted[layer.Node.OpType] = converted.GetValueOrDefault(layer.Node.OpType) + 1;
            progress?.Report(new WorkProgress("quantizing weights", ++done, layers.Count));
        }

        if (bfloat16)
            notes.Add($"bfloat16 model: weights quantized from bfloat16; {BFloat16Widening.Apply(model, spill)} other bfloat16 tensors widened to float and the graph computes in float " +
                "(ONNX Runtime's CPU kernels take no bfloat16), its bfloat16 inputs and outputs kept through Casts");
        if (options.Format == WeightOnlyFormat.MatMulNBits && layers.Count > 0 && model.Opset("com.microsoft") == 0) model.SetOpset("com.microsoft", 1);
        if (options.Bits == 3) notes.Add("3-bit weights are stored in 4-bit containers (neither MatMulNBits nor ONNX has a 3-bit type): the accuracy of 3 bits, the size of 4");
        if (options.Format == WeightOnlyFormat.Qdq && options.Bits == 2) notes.Add("2-bit weights are stored in 4-bit containers in QDQ format (ONNX int2 needs opset 25); use the default MatMulNBits format for packed 2-bit storage");
        if (options.Format == WeightOnlyFormat.Qdq && options.Algorithm == WeightOnlyAlgorithm.Hqq) notes.Add("HQQ's fractional zero points were rounded to integers for DequantizeLinear; MatMulNBits keeps them exact");
        foreach (var scope in g.Scopes().ToList()) scope.SortTopologically();
        string recipe = options.Describe();
        ModelStamp.Apply(model, recipe, calibration is null || (stats is null && segments is null) ? null
            : $"{calibration.Description}; {calibration.Count} samples, seed {options.Seed}");
        return new ModeResult(model, "weight-only", recipe, converted, kept, notes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A layer's weight as read for its quantizer: float values, or (round to nearest of a float16 weight) the stored float16 ones.</summary>
    readonly record struct LayerWeight(float[]? Values, Half[]? Stored);

    /// <summary>Initializers that only the layers' replaced nodes read (weights, fused biases): the output drops them.</summary>
    static HashSet<string> Dropped(Graph g, List<LinearLayer> layers)
    {
        var replaced = layers.SelectMany(l => l.Replaced).ToHashSet();
        return replaced.SelectMany(n => n.Input).Where(name => g.IsInitializer(name) && g.Consumers(name).All(replaced.Contains)).ToHashSet();
    }

    /// <summary>
    /// AWQ: layers that read one tensor share one scale (it folds into their common producer),
    /// searched on their summed output error; weights are scaled here and rounded to nearest later.
    /// </summary>
    static List<LinearLayer> ScaleForAwq(Graph g, List<LinearLayer> layers, Dictionary<string, InputStatistics> stats,
        Func<LinearLayer, BlockGrid> gridOf, int blockSize, List<string> notes)
    {
        var result = new List<LinearLayer>(layers.Count);
        int folded = 0, multiplied = 0;
        var alphas = new List<double>();
        var ratios = new List<double>();
        foreach (var group in layers.GroupBy(l => l.Input))
        {
            var members = group.ToList();
            int k = members[0].K;
            var (s, alpha, ratio) = AwqScaler.Search(members.Select(l => new AwqScaler.Member(l.ReadWeight(), l.N, gridOf(l))).ToList(), k, stats[group.Key], blockSize);
            alphas.Add(alpha);
            ratios.Add(ratio);
            if (alpha == 0) { result.AddRange(members); continue; }
            var (input, isFolded) = AwqFold.Apply(g, group.Key, members.Count, s);
            if (isFolded) folded++; else multiplied++;
            // The scaled weight is made when the layer is quantized, so a streamed model still holds one weight at a time.
            result.AddRange(members.Select(l => l with { Input = input, ReadWeight = () => Scaled(l, s), ReadFloat16 = null }));
        }
        alphas.Sort();
        ratios.Sort();
        notes.Add($"AWQ: {alphas.Count} input groups, median α {alphas[alphas.Count / 2]:0.00}, median output error {ratios[ratios.Count / 2]:0.00}× RTN's on calibration; " +
            $"inverse scales folded into {folded} LayerNorm(s), {multiplied} Mul node(s) inserted");
        return result;
    }

    static float[] Scaled(LinearLayer l, float[] s)
    {
        var w = l.ReadWeight();
        AwqScaler.ScaleRows(w, l.K, l.N, s);
        return w;
    }

    /// <summary>
    /// Blocked DequantizeLinear needs opset 21. Between the prepared model's opset (≥ 13) and 21 the
    /// only default-domain change that alters meaning is opset 18's move of the Reduce* ops' axes
    /// from an attribute to an input, so a graph with such a node is refused rather than rewritten.
    /// </summary>
    static void RaiseOpsetForBlockedDequantize(Model model)
    {
        if (model.Opset() >= BlockedDequantizeOpset) return;
        var reduce = model.Graph.Scopes().SelectMany(s => s.Nodes).FirstOrDefault(n => n.Domain is "" or "ai.onnx" && n.OpType.StartsWith("Reduce", StringComparison.Ordinal)
            && n.OpType != "ReduceSum" && NodeKit.Attr(n, "axes") is not null);
        if (reduce is not null)
            throw QuantaException.BadInput($"Format qdq: blocked DequantizeLinear needs opset 21 and node '{reduce.Name}' ({reduce.OpType}) uses opset-{model.Opset()} axes; use the matmulnbits format");
        model.SetOpset("", BlockedDequantizeOpset);
        if (model.Proto.IrVersion < 10) model.Proto.IrVersion = 10;
    }
}
