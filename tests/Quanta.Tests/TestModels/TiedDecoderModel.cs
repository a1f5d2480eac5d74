using Quanta.IR;
using Quanta.Onnx;
using A = Quanta.Tests.TestModels.GraphKit.Attr;

namespace Quanta.Tests.TestModels;

/// <summary>How the output projection reads the embedding table E [vocab, width].</summary>
public enum TiedHead
{
    /// <summary><c>MatMul(x, Transpose(E))</c>, as PyTorch exports <c>lm_head.weight = wte.weight</c>.</summary>
    Transpose,
    /// <summary><c>Gemm(x, E, transB = 1)</c> over the flattened tokens.</summary>
    Gemm,
    /// <summary><c>MatMul(x, Eᵀ)</c> with Eᵀ stored as a second initializer (exporters that untie on the way out).</summary>
    StoredCopy,
}

/// <summary>
/// A decoder-shaped model whose output projection is tied to its token embedding: <c>input_ids</c>
/// int64 [batch, seq] → Gather(E) → one GELU MLP block with a residual → LayerNorm → logits
/// [batch, seq, vocab] (or [batch·seq, vocab] for the Gemm head) through Eᵀ.
/// </summary>
static class TiedDecoderModel
{
    public static Model Build(TiedHead head, int vocab = 4096, int width = 64, int seed = 11)
    {
        var k = new GraphKit("tied-decoder", seed);
        k.Input("input_ids", DataTypes.Int64, "batch", "seq");
        var table = k.Normal(vocab * width, 0.05);
        string e = k.Constant("wte", [vocab, width], table);
        string x = k.Node("Gather", "embed", [e, "input_ids"]);
        string mlp = k.Linear(k.Gelu(k.Linear(x, width, 4 * width, "fc_in"), "gelu"), 4 * width, width, "fc_out");
        x = k.LayerNorm(k.Node("Add", "residual", [x, mlp]), width, "final_norm");
        switch (head)
        {
            case TiedHead.Transpose:
                k.Node("MatMul", "lm_head", [x, k.Node("Transpose", "wte_t", [e], A.Ints("perm", 1, 0))]);
                break;
            case TiedHead.StoredCopy:
                var transposed = new float[table.Length];
                for (int r = 0; r < vocab; r++)
                    for (int c = 0; c < width; c++) transposed[c * vocab + r] = table[r * width + c];
                k.Node("MatMul", "lm_head", [x, k.Constant("lm_head_weight", [width, vocab], transposed)]);
                break;
            case TiedHead.Gemm:
                string flat = k.Node("Reshape", "flatten_tokens", [x, k.Int64s("flat_shape", -1, width)]);
                k.Node("Gemm", "lm_head", [flat, e, k.Constant("lm_head_bias", [vocab], k.Normal(vocab, 0.01))], A.Int("transB", 1));
                break;
        }
        k.Graph.Node[^1].Output[0] = "logits";
        if (head == TiedHead.Gemm) k.Output("logits", DataTypes.Float, "tokens", vocab);
        else k.Output("logits", DataTypes.Float, "batch", "seq", vocab);
        return k.Build("tied-decoder");
    }

    public static long[] Ids(int batch, int seq, int vocab, int seed)
    {
        var r = new Random(seed);
        var ids = new long[batch * seq];
        for (int i = 0; i < ids.Length; i++) ids[i] = r.Next(vocab);
        return ids;
    }
}
