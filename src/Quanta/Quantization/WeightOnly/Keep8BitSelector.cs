namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Mixed precision in the manner of llama.cpp's k-quants: most layers at the low bit width, a
/// few at 8 bits. Named layers (<see cref="WeightOnlyOptions.Keep8Bit"/>) always; with
/// <see cref="WeightOnlyOptions.Keep8BitAuto"/> also every layer that produces a model output
/// (lm_head: an int4 lm_head is what made Phi-4-mini repeat itself, ONNX Runtime PR #24384) and
/// the worst-ranked eighth of the others by a sensitivity pass: each layer's relative output
/// error at the low bit width (round-to-nearest), weighted by its calibration Hessian when there
/// is calibration data, else in weight space.
/// </summary>
static class Keep8BitSelector
{
    public const int WorstFraction = 8;

    /// <returns>Layer name → why it stays at 8 bits.</returns>
    public static Dictionary<string, string> Choose(IR.Graph g, IReadOnlyList<LinearLayer> layers, WeightOnlyOptions o,
        IReadOnlyDictionary<string, InputStatistics>? stats)
    {
        var chosen = new Dictionary<string, string>();
        if (o.Bits == 8) return chosen;
        foreach (var l in layers)
            if (o.Keep8Bit.FirstOrDefault(p => new Glob([p]) is var one && (one.Matches(l.Name) || one.Matches(l.Node.Name))) is { } pattern)
                chosen[l.Name] = $"kept at 8 bits: matches {pattern}";
        if (!o.Keep8BitAuto) return chosen;
        foreach (var l in layers)
            if (g.IsGraphOutput(l.Output)) chosen.TryAdd(l.Name, "makes a model output (lm_head)");
        var rest = layers.Where(l => !chosen.ContainsKey(l.Name)).ToList();
        int worst = (rest.Count + WorstFraction - 1) / WorstFraction;
        var grid = new BlockGrid(o.Bits, o.Symmetric);
        var ranked = rest.Select(l => (Layer: l, Error: RelativeError(l, grid, o.BlockSize, stats?.GetValueOrDefault(l.Input))))
            .OrderByDescending(t => t.Error).Take(worst);
        foreach (var (l, e) in ranked)
            chosen[l.Name] = $"sensitivity: relative {o.Bits}-bit output error {e:G3}, among the worst 1/{WorstFraction}";
        return chosen;
    }

    static double RelativeError(LinearLayer l, BlockGrid grid, int blockSize, InputStatistics? stats)
    {
        var h = stats is null ? null : OutputError.ToFloats(stats.Hessian);
        var w = l.ReadWeight();
        var approx = RtnQuantizer.Quantize(w, l.K, l.N, blockSize, grid).Dequantize();
        double reference = OutputError.Of(w, null, l.K, l.N, h);
        return reference > 0 ? OutputError.Of(w, approx, l.K, l.N, h) / reference : 0;
    }
}
