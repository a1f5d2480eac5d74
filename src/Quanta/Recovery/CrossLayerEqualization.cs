using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Recovery;

/// <summary>
/// Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019): for two consecutive
/// layers A → B (Conv or Gemm, depthwise included, directly or through Relu/ReLU6), output channel
/// i of A is divided by s_i and input channel i of B multiplied by s_i, with
/// s_i = sqrt(rangeA_i / rangeB_i), so both channels end with range sqrt(rangeA_i·rangeB_i). Relu
/// commutes with a positive scale, so the float outputs do not change, while the channels of A
/// (a depthwise Conv above all) get ranges that one per-tensor scale can serve.
/// <para>
/// A ReLU6 (Clip 0..6) does not commute with a scale: clip(x/s, 0, 6) ≠ clip(x, 0, 6)/s. Instead of
/// replacing it by Relu as AIMET does (which changes the model), it is rewritten as
/// Relu followed by Min with a per-channel bound that starts at 6 and is divided by s_i with the
/// channel, so the model computes exactly what it did. The pairs are revisited until the scales
/// settle, since a layer in the middle of a chain belongs to two pairs.
/// </para>
/// <para>
/// High-bias absorption (same paper, §4.3) follows: where A's pre-activation channel i can never
/// fall below c_i &gt; 0, Relu(x − c_i) = Relu(x) − c_i, so c_i leaves A's bias (and the ReLU6 bound)
/// and re-enters B's bias as W_B·c. The activation's quantization range then starts at its real
/// floor. The paper estimates c from batch-norm statistics (μ − 3σ), which changes the model
/// slightly; here c is the bound that holds for every input — A's input must be bounded
/// (a ReLU6, or a bound from an earlier pair) and B must read every tap (a Gemm or an unpadded
/// Conv, MobileNetV2's projections) — so the float outputs stay exactly as they were.
/// </para>
/// </summary>
public sealed class CrossLayerEqualization : IGraphPass
{
    const int MaxSweeps = 20;
    const double Settled = 1e-4;

    public string Name => "cross-layer equalization";

    /// <summary>Number of layer pairs equalized.</summary>
    public int Apply(Model model)
    {
        var g = model.Graph;
        var pairs = FindPairs(g);
        if (pairs.Count == 0) return 0;
        foreach (var p in pairs) p.SplitClip(g);
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double largest = 0;
            foreach (var p in pairs) largest = Math.Max(largest, p.Equalize());
            if (largest < Settled) break;
        }
        AbsorbHighBiases(g, pairs);
        foreach (var p in pairs) p.Store(g);
        g.SortTopologically();
        return pairs.Count;
    }

    /// <summary>Number of channels whose bias moved forward in the last <see cref="Apply"/>.</summary>
    public int AbsorbedChannels { get; private set; }

    /// <summary>
    /// In execution order, so a pair reads its input bound after the pair before it lowered that bound.
    /// </summary>
    void AbsorbHighBiases(Graph g, List<Pair> pairs)
    {
        var bounded = pairs.Where(p => p.OutputHigh is not null).ToDictionary(p => p.ActivationOutput!);
        AbsorbedChannels = 0;
        foreach (var p in pairs)
        {
            string input = p.A.Node.Input[0];
            float[]? high = bounded.TryGetValue(input, out var before) ? before.OutputHigh
                : g.Producer(input) is { OpType: "Clip" } clip && ClipFromZero(g, clip, out float hi) && float.IsFinite(hi) ? Enumerable.Repeat(hi, p.A.InChannels).ToArray()
                : null;
            if (high is not null) AbsorbedChannels += p.AbsorbHighBias(g, high);
        }
    }

    /// <summary>
    /// Every A → [Relu | Clip(0, hi)] → B where each intermediate tensor has one reader and is not a
    /// model output, and B reads A's channels one to one (dense or depthwise). A layer that appears
    /// in two pairs (the middle of a chain) is one shared <see cref="LinearLayer"/>.
    /// </summary>
    static List<Pair> FindPairs(Graph g)
    {
        var layers = new Dictionary<NodeProto, LinearLayer?>();
        LinearLayer? Layer(NodeProto n) => layers.TryGetValue(n, out var l) ? l : layers[n] = LinearLayer.Of(g, n);
        var pairs = new List<Pair>();
        foreach (var node in g.TopologicalOrder())
        {
            if (Layer(node) is not { } a) continue;
            string t = node.Output[0];
            if (!SoleReader(g, t, out var next)) continue;
            NodeProto? activation = null;
            float clipHigh = float.PositiveInfinity;
            if (next.OpType is "Relu" or "Clip" && next.Domain is "" or "ai.onnx")
            {
                if (next.OpType == "Clip" && !ClipFromZero(g, next, out clipHigh)) continue;
                activation = next;
                if (!SoleReader(g, next.Output[0], out next)) continue;
            }
            if (Layer(next) is not { } b || next.Input[0] != (activation?.Output[0] ?? t)) continue;
            if (b.InChannels != a.OutChannels || (b.Node.OpType == "Conv" && b.Groups != 1 && !b.IsDepthwise)) continue;
            if (a.Node.OpType != b.Node.OpType) continue; // Conv → Gemm needs a flatten between them
            pairs.Add(new Pair(a, b, activation, clipHigh));
        }
        return pairs;
    }

    static bool SoleReader(Graph g, string tensor, out NodeProto reader)
    {
        reader = null!;
        if (g.IsGraphOutput(tensor)) return false;
        var readers = g.Consumers(tensor);
        if (readers.Count != 1) return false;
        reader = readers[0];
        return true;
    }

    /// <summary>A Clip whose bounds are the constants 0 and a positive high (ReLU6), read from inputs or old-opset attributes.</summary>
    static bool ClipFromZero(Graph g, NodeProto clip, out float high)
    {
        float lo = float.NegativeInfinity;
        high = float.PositiveInfinity;
        foreach (var a in clip.Attribute)
        {
            if (a.Name == "min") lo = a.F;
            if (a.Name == "max") high = a.F;
        }
        if (clip.Input.Count > 1 && clip.Input[1].Length > 0)
        {
            if (g.ConstantValue(clip.Input[1]) is not { } t) return false;
            lo = Tensors.ToFloats(t)[0];
        }
        if (clip.Input.Count > 2 && clip.Input[2].Length > 0)
        {
            if (g.ConstantValue(clip.Input[2]) is not { } t) return false;
            high = Tensors.ToFloats(t)[0];
        }
        return lo == 0 && high > 0;
    }

    sealed class Pair(LinearLayer a, LinearLayer b, NodeProto? activation, float clipHigh)
    {
        float[]? _bound;
        public LinearLayer A => a;
        /// <summary>The activation's output (the Min's, once a ReLU6 is split), null without one.</summary>
        public string? ActivationOutput => activation?.Output[0];
        /// <summary>Per channel, the largest value the activation can output (a split ReLU6's bound), or null.</summary>
        public float[]? OutputHigh => _bound;

        /// <summary>
        /// Moves c_i = the lowest value A's channel i can take (when positive) out of A's bias into
        /// B's; returns how many channels moved. <paramref name="inputHigh"/>: A's input bound per channel.
        /// </summary>
        public int AbsorbHighBias(Graph g, float[] inputHigh)
        {
            if (activation is null || a.Bias is null || !b.Unpadded()) return 0;
            var low = a.LowestOutputs(inputHigh);
            var c = new float[low.Length];
            int moved = 0;
            for (int i = 0; i < c.Length; i++)
            {
                // Never past the ReLU6 bound: the channel would be a constant anyway.
                c[i] = Math.Max(0f, _bound is null ? low[i] : Math.Min(low[i], _bound[i]));
                if (c[i] > 0) moved++;
            }
            if (moved == 0) return 0;
            for (int i = 0; i < c.Length; i++)
            {
                a.Bias[i] -= c[i];
                if (_bound is not null) _bound[i] -= c[i];
            }
            b.EnsureBias(g);
            b.AbsorbInputShift(c);
            return moved;
        }
        string? _boundName;
        int _rank;

        /// <summary>A Clip(0, hi) becomes Relu → Min(bound), the bound one value per channel, so it can follow the scales.</summary>
        public void SplitClip(Graph g)
        {
            if (activation is not { OpType: "Clip" } clip || float.IsPositiveInfinity(clipHigh)) return;
            _rank = a.Node.OpType == "Conv" ? a.WeightShape.Length : 2;
            _bound = Enumerable.Repeat(clipHigh, a.OutChannels).ToArray();
            _boundName = g.UniqueName(clip.Output[0] + "_bound");
            string relu = g.UniqueName(clip.Output[0] + "_relu");
            var reluNode = new NodeProto { OpType = "Relu", Name = g.UniqueName(clip.Name + "_relu") };
            reluNode.Input.Add(clip.Input[0]);
            reluNode.Output.Add(relu);
            var min = new NodeProto { OpType = "Min", Name = g.UniqueName(clip.Name + "_min") };
            min.Input.Add(relu);
            min.Input.Add(_boundName);
            min.Output.Add(clip.Output[0]);
            g.RemoveNode(clip);
            g.AddNode(reluNode);
            g.AddNode(min);
            g.AddInitializer(Tensors.FromFloats(_boundName, BoundShape(), _bound));
        }

        long[] BoundShape()
        {
            var shape = Enumerable.Repeat(1L, _rank).ToArray();
            shape[1] = _bound!.Length;
            return shape;
        }

        /// <summary>One equalization step; returns the largest |log s| applied (0 when already balanced).</summary>
        public double Equalize()
        {
            var r1 = a.OutputRanges();
            var r2 = b.InputRanges();
            var s = new float[r1.Length];
            double largest = 0;
            for (int i = 0; i < s.Length; i++)
            {
                // A channel that is all zero on either side carries nothing: leave it.
                s[i] = r1[i] > 0 && r2[i] > 0 ? MathF.Sqrt(r1[i] / r2[i]) : 1f;
                if (!float.IsFinite(s[i]) || s[i] <= 0) s[i] = 1f;
                largest = Math.Max(largest, Math.Abs(Math.Log(s[i])));
            }
            if (largest < Settled) return largest;
            a.DivideOutputs(s);
            b.MultiplyInputs(s);
            if (_bound is not null)
                for (int i = 0; i < s.Length; i++) _bound[i] /= s[i];
            return largest;
        }

        public void Store(Graph g)
        {
            a.Store(g);
            b.Store(g);
            if (_bound is null) return;
            var list = g.Proto.Initializer;
            for (int i = 0; i < list.Count; i++)
                if (list[i].Name == _boundName) list[i] = Tensors.FromFloats(_boundName, BoundShape(), _bound);
            g.Changed();
        }
    }
}
