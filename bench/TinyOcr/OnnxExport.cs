using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Tests.TestModels;
using TorchSharp.Modules;
using static Quanta.Tests.TestModels.GraphKit;
using static TorchSharp.torch;

namespace Quanta.TinyOcr;

/// <summary>
/// Writes the trained <see cref="Recogniser"/> as an opset-17 ONNX graph laid out as exporters
/// lay out such models: <c>image</c> float [batch, 1, 28, 28·T] → <c>logits</c> float [batch, T, 10];
/// Conv (BatchNorm folded in) + HardSwish (depthwise convs with group = channels), ReduceMean over the height,
/// Reshape/Transpose to [batch, T, D], LayerNormalization, MatMul + Add projections with [in, out]
/// weights, one qkv projection split by Reshape/Transpose/Gather, Softmax attention, swish spelled
/// Sigmoid·Mul. Batch is symbolic.
/// </summary>
static class OnnxExport
{
    public static Model Build(Recogniser m)
    {
        var c = m.Config;
        var g = new GraphKit("tiny_ocr", seed: 0);
        g.Input("image", DataTypes.Float, "batch", 1, Strips.Side, Strips.Side * c.Length);
        g.Output("logits", DataTypes.Float, "batch", c.Length, Strips.Classes);

        string x = g.Node("HardSwish", "stem_hswish", [Conv(g, "stem", "image", m.stem)]);
        for (int i = 0; i < m.backbone.Count; i++)
        {
            var block = m.backbone[i];
            x = g.Node("HardSwish", $"block{i}_dw_hswish", [Conv(g, $"block{i}_dw", x, block.depthwise)]);
            x = g.Node("HardSwish", $"block{i}_pw_hswish", [Conv(g, $"block{i}_pw", x, block.pointwise)]);
        }
        x = g.Node("ReduceMean", "pool_height", [x], Attr.Ints("axes", 2), Attr.Int("keepdims", 1));
        x = g.Node("HardSwish", "columns_hswish", [Conv(g, "columns", x, m.columns)]);
        x = g.Node("Reshape", "columns_flat", [x, g.Int64s("flat_shape", 0, c.Dim, -1)]);
        x = g.Node("Transpose", "sequence", [x], Attr.Ints("perm", 0, 2, 1));
        x = g.Node("Add", "positioned", [x, Init(g, "pos", m.pos, transpose: false)]);

        string split = g.Int64s("qkv_shape", 0, 0, 3, c.Heads, c.HeadDim), merge = g.Int64s("merge_shape", 0, 0, c.Dim);
        string scale = g.Scalar("attn_scale", (float)(1 / Math.Sqrt(c.HeadDim)));
        string[] which = [g.Int64Scalar("q_index", 0), g.Int64Scalar("k_index", 1), g.Int64Scalar("v_index", 2)];
        for (int l = 0; l < c.Blocks; l++)
        {
            var blk = m.blocks[l];
            string p = $"neck{l}";
            // [B, T, 3D] → [3, B, heads, T, head_dim], then q, k, v by index, as SVTR's qkv[0], qkv[1], qkv[2].
            string qkv = g.Node("Transpose", p + "_qkv_t", [g.Node("Reshape", p + "_qkv_heads", [Linear(g, p + "_qkv", LayerNorm(g, p + "_ln1", x, blk.ln1), blk.qkv), split])],
                Attr.Ints("perm", 2, 0, 3, 1, 4));
            string Part(int i, string name) => g.Node("Gather", $"{p}_{name}", [qkv, which[i]], Attr.Int("axis", 0));
            string q = g.Node("Mul", p + "_q_scaled", [Part(0, "q"), scale]);
            string kt = g.Node("Transpose", p + "_k_t", [Part(1, "k")], Attr.Ints("perm", 0, 1, 3, 2));
            string probs = g.Node("Softmax", p + "_probs", [g.Node("MatMul", p + "_scores", [q, kt])], Attr.Int("axis", -1));
            string ctx = g.Node("Transpose", p + "_ctx_t", [g.Node("MatMul", p + "_ctx", [probs, Part(2, "v")])], Attr.Ints("perm", 0, 2, 1, 3));
            x = g.Node("Add", p + "_attn_residual", [x, Linear(g, p + "_proj", g.Node("Reshape", p + "_merged", [ctx, merge]), blk.proj)]);

            string u = Linear(g, p + "_fc1", LayerNorm(g, p + "_ln2", x, blk.ln2), blk.fc1);
            string swish = g.Node("Mul", p + "_swish", [u, g.Node("Sigmoid", p + "_sigmoid", [u])]);
            x = g.Node("Add", p + "_mlp_residual", [x, Linear(g, p + "_fc2", swish, blk.fc2)]);
        }
        string final = LayerNorm(g, "ln_f", x, m.lnF);
        g.Named("Add", "logits", [g.Node("MatMul", "head_matmul", [final, Init(g, "head_weight", m.head.weight!, transpose: true)]), Init(g, "head_bias", m.head.bias!, transpose: false)]);

        var proto = new ModelProto { IrVersion = 8, ProducerName = "quanta-tinyocr", Graph = g.Graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "input", Value = "Fashion-MNIST strips, (pixel/255 - 0.2860) / 0.3530" });
        var model = new Model(proto, "tiny_ocr");
        model.Graph.SortTopologically();
        return model;
    }

    static string Init(GraphKit g, string hint, Tensor t, bool transpose)
    {
        using var c = (transpose ? t.detach().t() : t.detach()).contiguous().to_type(ScalarType.Float32);
        return g.Constant(hint, c.shape, c.data<float>().ToArray());
    }

    /// <summary>A Conv with the BatchNorm folded in: w·γ/√(var + ε) per output channel, bias β − mean·γ/√(var + ε).</summary>
    static string Conv(GraphKit g, string hint, string x, ConvBn cb)
    {
        var (weight, bias) = NoCollection.Run(() =>
        {
            using var _ = no_grad();
            var bn = cb.bn;
            var scale = bn.weight! / (bn.running_var! + bn.eps).sqrt();
            return (cb.conv.weight! * scale.reshape(-1, 1, 1, 1), bn.bias! - bn.running_mean! * scale);
        });
        var w = cb.conv.weight!;
        long groups = cb.conv.in_channels / w.shape[1];   // depthwise: one input channel per group
        var (ph, pw) = cb.Padding;
        return g.Node("Conv", hint, [x, Init(g, hint + "_weight", weight, transpose: false), Init(g, hint + "_bias", bias, transpose: false)],
            Attr.Ints("kernel_shape", w.shape[2], w.shape[3]), Attr.Ints("strides", cb.Stride.H, cb.Stride.W), Attr.Ints("pads", ph, pw, ph, pw), Attr.Int("group", groups));
    }

    /// <summary>torch's Linear stores [out, in]; MatMul wants [in, out].</summary>
    static string Linear(GraphKit g, string hint, string x, Linear lin) =>
        g.Node("Add", hint, [g.Node("MatMul", hint + "_matmul", [x, Init(g, hint + "_weight", lin.weight!, transpose: true)]), Init(g, hint + "_bias", lin.bias!, transpose: false)]);

    static string LayerNorm(GraphKit g, string hint, string x, LayerNorm ln) =>
        g.Node("LayerNormalization", hint, [x, Init(g, hint + "_weight", ln.weight!, transpose: false), Init(g, hint + "_bias", ln.bias!, transpose: false)],
            Attr.Int("axis", -1), Attr.Float("epsilon", 1e-5f));
}
