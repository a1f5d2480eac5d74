using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using static TorchSharp.torch;

namespace Quanta.TinyLm;

/// <summary>
/// Writes the trained <see cref="Decoder"/> as an opset-17 ONNX graph the way exporters lay out
/// decoders: <c>input_ids</c> int64 [batch, seq] → <c>logits</c> float [batch, seq, 256];
/// Gather embeddings, LayerNormalization, MatMul projections with [in, out] weights, causal mask
/// sliced to the sequence length, erf GELU. Batch and sequence length are symbolic.
/// </summary>
static class OnnxExport
{
    public static Model Build(Decoder m)
    {
        var c = m.Config;
        var g = new GraphProto { Name = "tiny_lm" };
        var b = new Builder(g);
        g.Input.Add(Value("input_ids", DataTypes.Int64, "batch", "seq"));
        g.Output.Add(Value("logits", DataTypes.Float, "batch", "seq", DecoderConfig.Vocab.ToString()));

        b.Init("tok_emb", m.tok.weight!, transpose: false);
        b.Init("pos_emb", m.pos.weight!, transpose: false);
        var mask = new float[c.MaxSeq * c.MaxSeq];
        for (int i = 0; i < c.MaxSeq; i++)
            for (int j = i + 1; j < c.MaxSeq; j++) mask[i * c.MaxSeq + j] = -1e9f;
        g.Initializer.Add(Tensors.FromFloats("causal_mask", [c.MaxSeq, c.MaxSeq], mask));
        b.Ints("zero1", 0); b.Ints("zero2", 0, 0); b.Ints("axis0", 0); b.Ints("axes01", 0, 1);
        b.Ints("heads_shape", 0, 0, c.Heads, c.HeadDim); b.Ints("merge_shape", 0, 0, c.Dim);
        g.Initializer.Add(Tensors.Scalar("attn_scale", (float)(1 / Math.Sqrt(c.HeadDim))));
        g.Initializer.Add(Tensors.Scalar("half", 0.5f));
        g.Initializer.Add(Tensors.Scalar("one", 1f));
        g.Initializer.Add(Tensors.Scalar("sqrt2", MathF.Sqrt(2)));

        b.Node("Shape", "seq_len", ["input_ids"], Attr.Int("start", 1), Attr.Int("end", 2));
        b.Node("Concat", "seq_seq", ["seq_len", "seq_len"], Attr.Int("axis", 0));
        b.Node("Gather", "tok", ["tok_emb", "input_ids"]);
        b.Node("Slice", "pos", ["pos_emb", "zero1", "seq_len", "axis0"]);
        b.Node("Slice", "mask", ["causal_mask", "zero2", "seq_seq", "axes01"]);
        string x = b.Node("Add", "embed", ["tok", "pos"]);

        for (int l = 0; l < c.Layers; l++)
        {
            var blk = m.blocks[l];
            string p = $"/blocks.{l}";
            string h = b.LayerNorm(p + "/ln1", x, blk.ln1);
            string Heads(string name, string perm) => b.Node("Transpose", $"{p}/attn/{name}_t",
                [b.Node("Reshape", $"{p}/attn/{name}_heads", [b.Linear($"{p}/attn/{name}", h, blk.GetLinear(name)), "heads_shape"])],
                Attr.Ints("perm", perm == "kt" ? [0, 2, 3, 1] : [0, 2, 1, 3]));
            string q = Heads("q", "q"), k = Heads("k", "kt"), v = Heads("v", "v");
            string scores = b.Node("Mul", $"{p}/attn/scaled", [b.Node("MatMul", $"{p}/attn/scores", [q, k]), "attn_scale"]);
            string probs = b.Node("Softmax", $"{p}/attn/probs", [b.Node("Add", $"{p}/attn/masked", [scores, "mask"])], Attr.Int("axis", -1));
            string ctx = b.Node("Transpose", $"{p}/attn/ctx_t", [b.Node("MatMul", $"{p}/attn/ctx", [probs, v])], Attr.Ints("perm", [0, 2, 1, 3]));
            string merged = b.Node("Reshape", $"{p}/attn/merged", [ctx, "merge_shape"]);
            x = b.Node("Add", $"{p}/attn/residual", [x, b.Linear($"{p}/attn/o", merged, blk.o)]);

            string u = b.Linear($"{p}/mlp/fc1", b.LayerNorm(p + "/ln2", x, blk.ln2), blk.fc1);
            string erf = b.Node("Erf", $"{p}/mlp/erf", [b.Node("Div", $"{p}/mlp/scaled", [u, "sqrt2"])]);
            string gelu = b.Node("Mul", $"{p}/mlp/gelu", [b.Node("Mul", $"{p}/mlp/half_x", [u, "half"]), b.Node("Add", $"{p}/mlp/erf1", [erf, "one"])]);
            x = b.Node("Add", $"{p}/mlp/residual", [x, b.Linear($"{p}/mlp/fc2", gelu, blk.fc2)]);
        }
        string final = b.LayerNorm("/ln_f", x, m.lnF);
        b.Node("MatMul", "logits", [final, "lm_head.weight"], name: "/lm_head/MatMul");
        b.Init("lm_head.weight", m.head.weight!, transpose: true);

        var proto = new ModelProto { IrVersion = 8, ProducerName = "quanta-tinylm", Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "tokenizer", Value = "bytes (token id = UTF-8 byte value, vocabulary 256)" });
        var model = new Model(proto, "tiny_lm");
        model.Graph.SortTopologically();
        return model;
    }

    static ValueInfoProto Value(string name, int type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(long.TryParse(d, out long v) ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }

    static TorchSharp.Modules.Linear GetLinear(this Block blk, string name) => name switch
    {
        "q" => blk.q,
        "k" => blk.k,
        "v" => blk.v,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    static class Attr
    {
        public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
        public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };
        public static AttributeProto Ints(string name, long[] v)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(v);
            return a;
        }
    }

    sealed class Builder(GraphProto g)
    {
        public string Node(string op, string output, string[] inputs, params AttributeProto[] attrs) => Node(op, output, inputs, output, attrs);

        public string Node(string op, string output, string[] inputs, string name, params AttributeProto[] attrs)
        {
            var n = new NodeProto { OpType = op, Name = name };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            n.Attribute.AddRange(attrs);
            g.Node.Add(n);
            return output;
        }

        public void Ints(string name, params long[] v) => g.Initializer.Add(Tensors.FromInt64s(name, [v.Length], v));

        public void Init(string name, Tensor t, bool transpose)
        {
            using var c = (transpose ? t.detach().t() : t.detach()).contiguous().to_type(ScalarType.Float32);
            g.Initializer.Add(Tensors.FromFloats(name, c.shape, c.data<float>().ToArray()));
        }

        /// <summary>torch's Linear stores [out, in]; MatMul wants [in, out].</summary>
        public string Linear(string prefix, string input, TorchSharp.Modules.Linear lin)
        {
            Init(prefix + ".weight", lin.weight!, transpose: true);
            return Node("MatMul", prefix + "/MatMul", [input, prefix + ".weight"]);
        }

        public string LayerNorm(string prefix, string input, TorchSharp.Modules.LayerNorm ln)
        {
            Init(prefix + ".weight", ln.weight!, transpose: false);
            Init(prefix + ".bias", ln.bias!, transpose: false);
            return Node("LayerNormalization", prefix + "/LayerNorm", [input, prefix + ".weight", prefix + ".bias"], Attr.Int("axis", -1), Attr.Float("epsilon", 1e-5f));
        }
    }
}
