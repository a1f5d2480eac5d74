using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using A = Quanta.Tests.TestModels.GraphKit.Attr;

namespace Quanta.Tests.TestModels;

/// <summary>Sizes of <see cref="KvCacheDecoderModel"/>.</summary>
public sealed record KvCacheDecoderConfig(int Layers = 2, int Hidden = 64, int Heads = 4, int KvHeads = 2, int Intermediate = 128, int Vocab = 512, int MaxSeq = 64)
{
    public int HeadSize => Hidden / Heads;
    public int KvHidden => KvHeads * HeadSize;
}

/// <summary>
/// A decoder as ONNX Runtime GenAI's model builder exports a Llama/Phi-3-style model for generation:
/// <c>input_ids</c> and <c>attention_mask</c> int64 [batch, seq | total_seq] and
/// <c>past_key_values.N.key/value</c> [batch, kv_heads, past_seq, head_size] in; <c>logits</c> and
/// <c>present.N.key/value</c> out. RMS norms are <c>SimplifiedLayerNormalization</c> and com.microsoft
/// <c>SkipSimplifiedLayerNormalization</c> (its fourth output carries the residual sum), attention is
/// com.microsoft <c>GroupQueryAttention</c> (grouped KV heads, rotary from cos/sin caches, the KV cache
/// in BNSH) fed <c>seqlens_k</c> and <c>total_sequence_length</c> computed from the mask, and the MLP is
/// SiLU-gated. Weights are seeded, scaled like trained ones.
/// </summary>
static class KvCacheDecoderModel
{
    public static Model Build(KvCacheDecoderConfig c, int seed = 5)
    {
        var k = new GraphKit("kv-cache-decoder", seed);
        int d = c.Hidden;
        k.Input("input_ids", DataTypes.Int64, "batch", "seq");
        k.Input("attention_mask", DataTypes.Int64, "batch", "total_seq");
        for (int l = 0; l < c.Layers; l++)
        {
            k.Input($"past_key_values.{l}.key", DataTypes.Float, "batch", c.KvHeads, "past_seq", c.HeadSize);
            k.Input($"past_key_values.{l}.value", DataTypes.Float, "batch", c.KvHeads, "past_seq", c.HeadSize);
        }
        // As the builder computes them: seqlens_k = Σ mask − 1 per row (int32), total_sequence_length = mask's width (int32 scalar).
        string sum = k.Node("ReduceSum", "mask_sum", ["attention_mask", k.Int64s("sum_axes", 1)], A.Int("keepdims", 0));
        string seqlens = k.Node("Cast", "seqlens_k", [k.Node("Sub", "seqlens_k_int64", [sum, k.Int64Scalar("one", 1)])], A.Int("to", DataTypes.Int32));
        string width = k.Node("Gather", "total_len_int64", [k.Node("Shape", "mask_shape", ["attention_mask"]), k.Int64Scalar("width_axis", 1)], A.Int("axis", 0));
        string total = k.Node("Cast", "total_sequence_length", [width], A.Int("to", DataTypes.Int32));
        var (cos, sin) = RotaryCaches(c);
        string cosCache = k.Constant("cos_cache", [c.MaxSeq, c.HeadSize / 2], cos), sinCache = k.Constant("sin_cache", [c.MaxSeq, c.HeadSize / 2], sin);

        string x = k.Node("Gather", "embed_tokens", [k.Constant("embed_tokens_weight", [c.Vocab, d], k.Normal(c.Vocab * d, 1.0)), "input_ids"]);
        string normed = k.Node("SimplifiedLayerNormalization", "input_layernorm_0", [x, Gamma(k, d, "input_layernorm_0")], A.Float("epsilon", 1e-5f), A.Int("axis", -1));
        string residual = x, output = "";
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"layers.{l}.";
            if (l > 0) (normed, residual) = SkipNorm(k, output, residual, d, p + "input_layernorm");
            string q = k.Node("MatMul", p + "q_proj", [normed, Weight(k, p + "q_proj", d, d)]);
            string key = k.Node("MatMul", p + "k_proj", [normed, Weight(k, p + "k_proj", d, c.KvHidden)]);
            string value = k.Node("MatMul", p + "v_proj", [normed, Weight(k, p + "v_proj", d, c.KvHidden)]);
            string attention = k.Fresh(p + "attn");
            var gqa = GraphKit.MakeNode("GroupQueryAttention", "/" + p + "GroupQueryAttention",
                [q, key, value, $"past_key_values.{l}.key", $"past_key_values.{l}.value", seqlens, total, cosCache, sinCache],
                [attention, $"present.{l}.key", $"present.{l}.value"],
                A.Int("num_heads", c.Heads), A.Int("kv_num_heads", c.KvHeads), A.Int("do_rotary", 1));
            gqa.Domain = "com.microsoft";
            k.Graph.Node.Add(gqa);
            string attended = k.Node("MatMul", p + "o_proj", [attention, Weight(k, p + "o_proj", d, d, 0.5)]);
            (normed, residual) = SkipNorm(k, attended, residual, d, p + "post_attention_layernorm");
            string gate = k.Node("MatMul", p + "gate_proj", [normed, Weight(k, p + "gate_proj", d, c.Intermediate)]);
            string up = k.Node("MatMul", p + "up_proj", [normed, Weight(k, p + "up_proj", d, c.Intermediate)]);
            string silu = k.Node("Mul", p + "silu", [gate, k.Node("Sigmoid", p + "gate_sigmoid", [gate])]);
            output = k.Node("MatMul", p + "down_proj", [k.Node("Mul", p + "gated", [silu, up]), Weight(k, p + "down_proj", c.Intermediate, d, 0.5)]);
        }
        (normed, _) = SkipNorm(k, output, residual, d, "norm");
        k.Named("MatMul", "logits", [normed, Weight(k, "lm_head", d, c.Vocab)]);

        k.Output("logits", DataTypes.Float, "batch", "seq", c.Vocab);
        for (int l = 0; l < c.Layers; l++)
        {
            k.Output($"present.{l}.key", DataTypes.Float, "batch", c.KvHeads, "total_seq", c.HeadSize);
            k.Output($"present.{l}.value", DataTypes.Float, "batch", c.KvHeads, "total_seq", c.HeadSize);
        }
        var model = k.Build("kv-cache-decoder");
        model.SetOpset("com.microsoft", 1);
        return model;
    }

    /// <summary>Bias-free projection weight [in, out], std gain/√in.</summary>
    static string Weight(GraphKit k, string hint, int inputs, int outputs, double gain = 1.0) =>
        k.Constant(hint + "_weight", [inputs, outputs], k.Normal(inputs * outputs, gain / Math.Sqrt(inputs)));

    static string Gamma(GraphKit k, int width, string hint)
    {
        var gamma = k.Normal(width, 0.05);
        for (int i = 0; i < width; i++) gamma[i] += 1f;
        return k.Constant(hint + "_gamma", [width], gamma);
    }

    /// <summary>SkipSimplifiedLayerNormalization(x, skip): the normalized sum and the sum itself (the next residual).</summary>
    static (string Normed, string Residual) SkipNorm(GraphKit k, string x, string skip, int width, string hint)
    {
        string normed = k.Fresh(hint), sum = k.Fresh(hint + "_residual");
        var node = GraphKit.MakeNode("SkipSimplifiedLayerNormalization", "/" + hint, [x, skip, Gamma(k, width, hint)], [normed, "", "", sum], A.Float("epsilon", 1e-5f));
        node.Domain = "com.microsoft";
        k.Graph.Node.Add(node);
        return (normed, sum);
    }

    static (float[] Cos, float[] Sin) RotaryCaches(KvCacheDecoderConfig c)
    {
        int half = c.HeadSize / 2;
        var cos = new float[c.MaxSeq * half];
        var sin = new float[c.MaxSeq * half];
        for (int pos = 0; pos < c.MaxSeq; pos++)
            for (int i = 0; i < half; i++)
            {
                double angle = pos * Math.Pow(10000, -2.0 * i / c.HeadSize);
                cos[pos * half + i] = (float)Math.Cos(angle);
                sin[pos * half + i] = (float)Math.Sin(angle);
            }
        return (cos, sin);
    }
}
