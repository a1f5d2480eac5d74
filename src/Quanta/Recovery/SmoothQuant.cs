using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Runtime;

namespace Quanta.Recovery;

/// <summary>
/// SmoothQuant (Xiao et al., 2023), an ONNX → ONNX transform for static W8A8: an activation X feeding
/// only MatMul/Gemm nodes with constant weights has a few channels far larger than the rest, which
/// per-tensor activation ranges cannot serve. Divide channel j of X by
/// s_j = max|X_j|^α / max|W_j|^(1−α) (W_j: row j of every consumer's weight) and multiply the weights'
/// row j by s_j: the product is unchanged, the outliers move into the weights (quantized per channel).
/// The division is folded into X's producer when it can absorb it — a LayerNormalization's scale and
/// bias, or a MatMul/Gemm's output columns (and bias) — and otherwise done by an explicit Mul in front
/// of the consumers. Float outputs stay the same up to rounding. The per-channel maxima come from a
/// calibration pass (<see cref="ChannelStatistics"/>). Given how the model will be rounded, each site's α
/// is chosen by output fidelity (<see cref="SmoothQuantAlpha"/>), and a site smoothing does not help is left alone.
/// </summary>
internal static class SmoothQuant
{
    /// <summary>An activation to smooth: its consumers (MatMul/Gemm, X as the left operand) and its channel count K.</summary>
    public sealed record Site(string Tensor, IReadOnlyList<NodeProto> Consumers, int Channels);

    /// <summary>What was smoothed: the tensor, where 1/s went, and its largest channel max before and after.</summary>
    public sealed record Smoothed(string Tensor, string FoldedInto, int Consumers, int Channels, float MaxBefore, float MaxAfter, double Alpha);

    public sealed record Result(Model Model, double Alpha, IReadOnlyList<Smoothed> Sites);

    /// <summary>Checks α: the migration strength, 0 (nothing moves) to 1 (everything moves into the weights).</summary>
    public static void Validate(double alpha)
    {
        if (!(alpha > 0 && alpha <= 1)) throw QuantaException.BadInput($"SmoothQuant alpha must be in (0, 1], got {alpha}");
    }

    /// <summary>
    /// Observes the sites' per-channel statistics on <paramref name="data"/>, then smooths: every site with
    /// <paramref name="alpha"/>, or, given the quantized model's <paramref name="rounding"/>, each site with the
    /// strength (or none) that reconstructs its outputs best. <paramref name="model"/> is not modified.
    /// </summary>
    public static Result Run(Model model, IDataset data, double alpha, int batchSize, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null,
        SmoothQuantAlpha.Rounding? rounding = null)
    {
        Validate(alpha);
        var sites = Sites(model.Graph);
        if (sites.Count == 0) return new Result(model, alpha, []);
        var stats = ChannelStatistics(model, sites, data, batchSize, runtime, progress);
        var maxima = stats.ToDictionary(kv => kv.Key, kv => kv.Value.AbsMax);
        if (rounding is null) return Apply(model, maxima, alpha);
        // One site at a time: the graph's lookups are not built for parallel readers, and sites are few.
        var chosen = sites.Where(site => stats.ContainsKey(site.Tensor))
            .Select(site => (site.Tensor, Alpha: SmoothQuantAlpha.Choose(model.Graph, site, stats[site.Tensor], alpha, rounding)))
            .ToDictionary(x => x.Tensor, x => x.Alpha);
        return Smooth(model, maxima, site => chosen.GetValueOrDefault(site.Tensor), alpha);
    }

    /// <summary>Activations whose every reader is a MatMul/Gemm taking them as the left operand against a constant 2-D weight.</summary>
    public static List<Site> Sites(Graph g)
    {
        var sites = new List<Site>();
        var seen = new HashSet<string>();
        foreach (var node in g.Nodes)
        {
            if (!IsSmoothable(g, node, out int k)) continue;
            string x = node.Input[0];
            if (!seen.Add(x) || g.IsInitializer(x) || g.ConstantValue(x) is not null || g.IsGraphOutput(x)) continue;
            var consumers = g.Consumers(x);
            if (consumers.All(c => IsSmoothable(g, c, out int kc) && kc == k && c.Input[0] == x && !c.Input.Skip(1).Contains(x)))
                sites.Add(new Site(x, consumers.ToList(), k));
        }
        return sites;
    }

    /// <summary>MatMul X·W or Gemm X·W (transA = 0) with W a constant 2-D float initializer; K = the reduced dimension.</summary>
    static bool IsSmoothable(Graph g, NodeProto n, out int k)
    {
        k = 0;
        if (!n.IsStandard() || n.Input.Count < 2 || n.OpType is not ("MatMul" or "Gemm")) return false;
        if (n.OpType == "Gemm" && n.GetInt("transA", 0) != 0) return false;
        var w = g.Initializer(n.Input[1]);
        if (w is null || w.DataType != DataTypes.Float || w.Dims.Count != 2) return false;
        k = (int)(n.OpType == "Gemm" && n.GetInt("transB", 0) != 0 ? w.Dims[1] : w.Dims[0]);
        return k > 0;
    }

    /// <summary>One calibration pass recording each site's per-channel statistics (the last axis) and a sample of its rows.</summary>
    public static Dictionary<string, ChannelStats> ChannelStatistics(Model model, IReadOnlyList<Site> sites, IDataset data, int batchSize,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        // Calibrator asks for one observer per tensor, in the order of the list it is given.
        var channels = new Queue<int>(sites.Select(s => s.Channels));
        var run = Calibrator.Observe(model, sites.Select(s => s.Tensor).ToList(), data, () => new ChannelStats(channels.Dequeue()), batchSize, runtime, progress);
        return run.Observers.ToDictionary(kv => kv.Key, kv => (ChannelStats)kv.Value);
    }

    /// <summary>Smooths every site with known maxima; returns a new model (the input is not modified).</summary>
    public static Result Apply(Model model, IReadOnlyDictionary<string, float[]> activationMax, double alpha)
    {
        Validate(alpha);
        return Smooth(model, activationMax, _ => alpha, alpha);
    }

    /// <summary>Smooths each site with the strength <paramref name="alphaOf"/> gives it; null leaves the site alone.</summary>
    static Result Smooth(Model model, IReadOnlyDictionary<string, float[]> activationMax, Func<Site, double?> alphaOf, double alpha)
    {
        var smoothed = model.Clone();
        var g = smoothed.Graph;
        var done = new List<Smoothed>();
        foreach (var site in Sites(g))
        {
            if (!activationMax.TryGetValue(site.Tensor, out var xMax) || xMax.Length != site.Channels) continue;
            if (alphaOf(site) is not { } siteAlpha) continue;
            var s = Scales(g, site, xMax, siteAlpha);
            foreach (var c in site.Consumers) ScaleWeightRows(g, c, s);
            string into = FoldIntoProducer(g, site, s) ?? InsertMul(g, site, s);
            float before = xMax.Max(), after = 0;
            for (int j = 0; j < s.Length; j++) after = Math.Max(after, xMax[j] / s[j]);
            done.Add(new Smoothed(site.Tensor, into, site.Consumers.Count, site.Channels, before, after, siteAlpha));
        }
        g.RemoveUnused();
        g.Changed();
        return new Result(smoothed, alpha, done);
    }

    /// <summary>s_j = max|X_j|^α / max|W_j|^(1−α); 1 where a channel is silent or its weights are all zero.</summary>
    internal static float[] Scales(Graph g, Site site, float[] xMax, double alpha)
    {
        var wMax = new float[site.Channels];
        foreach (var c in site.Consumers)
        {
            var (w, rows, cols, transposed) = Weight(g, c);
            for (int r = 0; r < rows; r++)
                for (int q = 0; q < cols; q++)
                {
                    int j = transposed ? q : r;
                    wMax[j] = Math.Max(wMax[j], Math.Abs(w[r * cols + q]));
                }
        }
        var s = new float[site.Channels];
        for (int j = 0; j < s.Length; j++)
        {
            double v = xMax[j] > 0 && wMax[j] > 0 ? Math.Pow(xMax[j], alpha) / Math.Pow(wMax[j], 1 - alpha) : 1;
            s[j] = (float)Math.Clamp(v, 1e-5, 1e5);
        }
        return s;
    }

    /// <summary>The consumer's weight values and layout; transposed when channel j is a column (Gemm transB = 1).</summary>
    static (float[] W, int Rows, int Cols, bool Transposed) Weight(Graph g, NodeProto c)
    {
        var t = g.Initializer(c.Input[1])!;
        return (Tensors.ToFloats(t), (int)t.Dims[0], (int)t.Dims[1], c.OpType == "Gemm" && c.GetInt("transB", 0) != 0);
    }

    /// <summary>W_j ×= s_j, written as a new initializer so a weight shared with other nodes is not changed under them.</summary>
    static void ScaleWeightRows(Graph g, NodeProto c, float[] s)
    {
        var (w, rows, cols, transposed) = Weight(g, c);
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++)
                w[r * cols + q] *= s[transposed ? q : r];
        c.Input[1] = Replace(g, c.Input[1], w);
    }

    static string Replace(Graph g, string name, float[] values)
    {
        var old = g.Initializer(name)!;
        string fresh = g.UniqueName(name + "_smoothed");
        g.AddInitializer(Tensors.FromFloats(fresh, old.Dims.ToArray(), values));
        return fresh;
    }

    /// <summary>Divides the producer's output channels by s when it is a LayerNormalization (last axis) or a MatMul/Gemm with constant weights; null otherwise.</summary>
    static string? FoldIntoProducer(Graph g, Site site, float[] s)
    {
        var p = g.Producer(site.Tensor);
        if (p is null || !p.IsStandard() || p.Output.Count == 0 || p.Output[0] != site.Tensor) return null;
        if (p.OpType == "LayerNormalization" && p.Output.Count == 1)
        {
            long axis = p.GetInt("axis", -1);
            var rank = g.ValueInfo(site.Tensor)?.Type?.TensorType?.Shape?.Dim.Count;
            if (!(axis == -1 || rank is { } r && axis == r - 1)) return null;
            if (!IsChannelVector(g, p.Input[1], s.Length) || (p.Input.Count > 2 && p.Input[2].Length > 0 && !IsChannelVector(g, p.Input[2], s.Length))) return null;
            for (int i = 1; i < p.Input.Count; i++)
                if (p.Input[i].Length > 0) p.Input[i] = Replace(g, p.Input[i], Divide(Tensors.ToFloats(g.Initializer(p.Input[i])!), s));
            return $"{Graph.Describe(p)} (LayerNormalization scale and bias)";
        }
        if (p.OpType is "MatMul" or "Gemm" && p.Input.Count >= 2 && g.Initializer(p.Input[1]) is { DataType: DataTypes.Float, Dims.Count: 2 } w
            && !(p.OpType == "Gemm" && p.GetInt("transA", 0) != 0))
        {
            bool transB = p.OpType == "Gemm" && p.GetInt("transB", 0) != 0;
            int rows = (int)w.Dims[0], cols = (int)w.Dims[1];
            if ((transB ? rows : cols) != s.Length) return null;
            if (p.Input.Count > 2 && p.Input[2].Length > 0 && !IsChannelVector(g, p.Input[2], s.Length)) return null;
            var values = Tensors.ToFloats(w);
            for (int r = 0; r < rows; r++)
                for (int q = 0; q < cols; q++)
                    values[r * cols + q] /= s[transB ? r : q];
            p.Input[1] = Replace(g, p.Input[1], values);
            if (p.Input.Count > 2 && p.Input[2].Length > 0) p.Input[2] = Replace(g, p.Input[2], Divide(Tensors.ToFloats(g.Initializer(p.Input[2])!), s));
            return $"{Graph.Describe(p)} (output columns)";
        }
        return null;
    }

    /// <summary>A float initializer with exactly one value per channel (shape [K] or [1, K]).</summary>
    static bool IsChannelVector(Graph g, string name, int k) =>
        g.Initializer(name) is { DataType: DataTypes.Float } t && Tensors.ElementCount(t) == k && t.Dims.Count > 0 && t.Dims[^1] == k;

    static float[] Divide(float[] v, float[] s)
    {
        for (int j = 0; j < v.Length; j++) v[j] /= s[j];
        return v;
    }

    /// <summary>X' = X · (1/s) in front of the consumers, when the producer cannot take the division.</summary>
    static string InsertMul(Graph g, Site site, float[] s)
    {
        var inv = new float[s.Length];
        for (int j = 0; j < s.Length; j++) inv[j] = 1 / s[j];
        string scale = g.UniqueName(site.Tensor + "_smooth_scale");
        g.AddInitializer(Tensors.FromFloats(scale, [s.Length], inv));
        string output = g.UniqueName(site.Tensor + "_smoothed");
        var mul = new NodeProto { OpType = "Mul", Name = g.UniqueName(site.Tensor + "_smooth") };
        mul.Input.AddRange([site.Tensor, scale]);
        mul.Output.Add(output);
        foreach (var c in site.Consumers) c.Input[0] = output;
        // Same type and shape as X: the planner reads them to calibrate and quantize the new tensor.
        if (g.ValueInfo(site.Tensor) is { } info)
        {
            var copy = info.Clone();
            copy.Name = output;
            g.Proto.ValueInfo.Add(copy);
        }
        // Insert right before the first consumer so the node list stays in topological order.
        int at = site.Consumers.Min(c => g.Nodes.IndexOf(c));
        g.Nodes.Insert(at, mul);
        g.Changed();
        return $"{mul.Name} (explicit Mul)";
    }

    /// <summary>
    /// Per channel of the last axis: max |x|, min and max; and up to <see cref="MaxRows"/> rows (channel
    /// vectors) spread over the batches, on which <see cref="SmoothQuantAlpha"/> compares strengths.
    /// </summary>
    internal sealed class ChannelStats(int channels) : IObserver
    {
        public const int MaxRows = 1024, RowsPerBatch = 64;
        public float[] AbsMax { get; } = new float[channels];
        public float[] Min { get; } = new float[channels];
        public float[] Max { get; } = new float[channels];
        public List<float[]> Rows { get; } = [];
        public long Count { get; private set; }

        public void Observe(ReadOnlySpan<float> values)
        {
            int k = AbsMax.Length;
            for (int i = 0; i < values.Length; i++)
            {
                float v = values[i];
                if (!float.IsFinite(v)) continue;
                int j = i % k;
                AbsMax[j] = Math.Max(AbsMax[j], Math.Abs(v));
                Min[j] = Math.Min(Min[j], v);
                Max[j] = Math.Max(Max[j], v);
            }
            int rows = values.Length / k, step = Math.Max(1, rows / RowsPerBatch);
            for (int r = 0; r < rows && Rows.Count < MaxRows; r += step)
            {
                var row = values.Slice(r * k, k).ToArray();
                if (Array.TrueForAll(row, float.IsFinite)) Rows.Add(row);
            }
            Count += values.Length;
        }

        public (float Min, float Max) Range(Numerics.QuantSpec spec) => (Min.Min(), Max.Max());
    }
}
