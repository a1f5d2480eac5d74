using Quanta.IR;
using Quanta.Onnx;
using A = Quanta.Tests.TestModels.GraphKit.Attr;

namespace Quanta.Tests.TestModels;

/// <summary>
/// A small BERT-like sentence encoder built as ONNX exporters write one: three int64 inputs
/// <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c> [batch, seq] (both symbolic),
/// word + position + token-type embeddings, LayerNormalization, <see cref="EncoderConfig.Layers"/>
/// post-norm transformer layers (MatMul + Add, multi-head attention with the mask as an additive
/// bias, Softmax, GELU spelled out with Erf) and mean pooling over the mask: output
/// <c>embedding</c> [batch, hidden]. The word table dominates the bytes, as BERT's 30,522 × 384
/// does. Weights are seeded and scaled like trained ones: the embedding rows have varied norms and
/// two outlier dimensions, linear weights ~0.8/√fan-in, so quantization error numbers mean something.
/// </summary>
static class EncoderModel
{
    public static Model Build(EncoderConfig? config = null, int seed = 7)
    {
        var c = config ?? new EncoderConfig();
        var k = new GraphKit("encoder", seed);
        k.Input("input_ids", DataTypes.Int64, "batch", "seq");
        k.Input("attention_mask", DataTypes.Int64, "batch", "seq");
        k.Input("token_type_ids", DataTypes.Int64, "batch", "seq");
        int h = c.Hidden;

        string words = k.Node("Gather", "word_embeddings", [k.Constant("word_embeddings_weight", [c.Vocab, h], WordTable(k, c)), "input_ids"]);
        // Position ids as PyTorch exports them: Range(0, Shape(input_ids)[1], 1) with scalar operands.
        string seqLen = k.Node("Gather", "seq_len", [k.Node("Shape", "ids_shape", ["input_ids"]), k.Int64Scalar("seq_dim", 1)], A.Int("axis", 0));
        string positionIds = k.Node("Range", "position_ids", [k.Int64Scalar("zero", 0), seqLen, k.Int64Scalar("step", 1)]);
        string positions = k.Node("Gather", "position_embeddings", [k.Constant("position_embeddings_weight", [c.MaxPositions, h], k.Normal(c.MaxPositions * h, 0.02)), positionIds]);
        string types = k.Node("Gather", "token_type_embeddings", [k.Constant("token_type_embeddings_weight", [2, h], k.Normal(2 * h, 0.02)), "token_type_ids"]);
        string x = k.LayerNorm(k.Node("Add", "embeddings_sum", [k.Node("Add", "words_positions", [words, positions]), types]), h, "embeddings_norm");

        // Padding positions get −10000 before Softmax: (1 − mask) · −10000, shaped [batch, 1, 1, seq].
        string mask = k.Node("Cast", "mask_float", ["attention_mask"], A.Int("to", DataTypes.Float));
        string inverted = k.Node("Sub", "mask_inverted", [k.Scalar("one", 1f), mask]);
        string maskBias = k.Node("Unsqueeze", "mask_bias", [k.Node("Mul", "mask_scaled", [inverted, k.Scalar("minus_big", -10000f)]), k.Int64s("mask_axes", 1, 2)]);

        for (int layer = 0; layer < c.Layers; layer++) x = Layer(k, c, x, maskBias, $"layer{layer}");

        // Mean pooling: Σ_t x[t]·mask[t] / Σ_t mask[t].
        string masked = k.Node("Mul", "pool_masked", [x, k.Node("Unsqueeze", "pool_mask", [mask, k.Int64s("pool_axes", 2)])]);
        string sum = k.Node("ReduceSum", "pool_sum", [masked, k.Int64s("seq_axis", 1)], A.Int("keepdims", 0));
        string count = k.Node("ReduceSum", "pool_count", [mask, k.Int64s("seq_axis", 1)], A.Int("keepdims", 1));
        k.Node("Div", "pool_mean", [sum, count]);
        k.Graph.Node[^1].Output[0] = "embedding"; // the name users (and the tests) read
        k.Output("embedding", DataTypes.Float, "batch", h);
        return k.Build("encoder");
    }

    static string Layer(GraphKit k, EncoderConfig c, string x, string maskBias, string p)
    {
        int h = c.Hidden, heads = c.Heads, dh = h / heads;
        string headShape = k.Int64s(p + "_head_shape", 0, 0, heads, dh);
        string Split(string t, long[] perm, string hint) =>
            k.Node("Transpose", hint + "_heads", [k.Node("Reshape", hint + "_split", [t, headShape])], A.Ints("perm", perm));
        string q = Split(k.Linear(x, h, h, p + "_query"), [0, 2, 1, 3], p + "_q");
        string kt = Split(k.Linear(x, h, h, p + "_key"), [0, 2, 3, 1], p + "_k");
        string v = Split(k.Linear(x, h, h, p + "_value"), [0, 2, 1, 3], p + "_v");
        string scores = k.Node("Add", p + "_masked_scores", [k.Node("Div", p + "_scaled", [k.Node("MatMul", p + "_scores", [q, kt]), k.Scalar(p + "_sqrt_dh", MathF.Sqrt(dh))]), maskBias]);
        string context = k.Node("MatMul", p + "_context", [k.Node("Softmax", p + "_probs", [scores], A.Int("axis", -1)), v]);
        string merged = k.Node("Reshape", p + "_merge", [k.Node("Transpose", p + "_context_t", [context], A.Ints("perm", 0, 2, 1, 3)), k.Int64s(p + "_merged_shape", 0, 0, h)]);
        string attention = k.LayerNorm(k.Node("Add", p + "_attention_residual", [k.Linear(merged, h, h, p + "_output"), x]), h, p + "_attention_norm");
        string ffn = k.Linear(k.Gelu(k.Linear(attention, h, c.Intermediate, p + "_intermediate"), p + "_gelu"), c.Intermediate, h, p + "_ffn_output");
        return k.LayerNorm(k.Node("Add", p + "_ffn_residual", [ffn, attention]), h, p + "_output_norm");
    }

    /// <summary>Rows with log-normal norms around 0.05·√width, and two dimensions ~4× the rest, as trained BERT tables have.</summary>
    internal static float[] WordTable(GraphKit k, EncoderConfig c)
    {
        var table = k.Normal(c.Vocab * c.Hidden, 0.05);
        for (int r = 0; r < c.Vocab; r++)
        {
            float rowScale = MathF.Exp(k.Normal(1, 0.3)[0]);
            for (int d = 0; d < c.Hidden; d++) table[r * c.Hidden + d] *= rowScale * (d is 3 or 77 ? 4f : 1f);
        }
        return table;
    }

    /// <summary>Seeded random token sequences with padding at the end of each row, as a tokenizer writes them.</summary>
    public static EncoderBatch Sample(EncoderConfig c, int batch, int seq, int seed)
    {
        var r = new Random(seed);
        var ids = new long[batch * seq];
        var mask = new long[batch * seq];
        var types = new long[batch * seq];
        for (int b = 0; b < batch; b++)
        {
            int length = r.Next(seq / 2, seq + 1), split = r.Next(1, length);
            for (int t = 0; t < seq; t++)
            {
                bool real = t < length;
                ids[b * seq + t] = real ? (t == 0 ? 101 : r.Next(1000, c.Vocab)) : 0;
                mask[b * seq + t] = real ? 1 : 0;
                types[b * seq + t] = real && t >= split ? 1 : 0;
            }
        }
        return new EncoderBatch(ids, mask, types, batch, seq);
    }
}

/// <summary>Sizes of <see cref="EncoderModel"/>; the defaults give a 8000 × 128 word table (4 MB of 5.7 MB).</summary>
sealed record EncoderConfig(int Vocab = 8000, int Hidden = 128, int Heads = 2, int Intermediate = 512, int Layers = 2, int MaxPositions = 128);

/// <summary>One batch of the encoder's three int64 inputs, row-major [Batch, Seq].</summary>
sealed record EncoderBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int Batch, int Seq);
