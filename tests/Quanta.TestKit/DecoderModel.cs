using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Bench;

/// <summary>
/// The shape of a generated decoder: token embedding [vocab, d], <see cref="Blocks"/> blocks of
/// single-head attention (q, k, v, o: [d, d]) and a gated MLP (gate, up: [d, ff]; down: [ff, d]),
/// and an lm_head [d, vocab]. The defaults are a 1B-class language model's (d = 2048).
/// </summary>
public sealed record DecoderShape(int Blocks, int Hidden = 2048, int Intermediate = 5632, int Vocab = 32000)
{
    public long Parameters => 2L * Vocab * Hidden + Blocks * (4L * Hidden * Hidden + 3L * Hidden * Intermediate);

    /// <summary>The number of blocks that brings the model closest to <paramref name="bytes"/> at <paramref name="bytesPerElement"/>.</summary>
    public static DecoderShape ForBytes(long bytes, int bytesPerElement, int hidden = 2048, int intermediate = 5632, int vocab = 32000)
    {
        var unit = new DecoderShape(1, hidden, intermediate, vocab);
        long fixedPart = 2L * vocab * hidden * bytesPerElement;
        long perBlock = (unit.Parameters - 2L * vocab * hidden) * bytesPerElement;
        return unit with { Blocks = (int)Math.Max(1, Math.Round((double)(bytes - fixedPart) / perBlock)) };
    }
}

/// <summary>
/// Writes decoder-shaped ONNX models of any size with random weights straight to disk
/// (model.onnx + model.onnx.data), one tensor slice at a time, so a 12 GB model is generated
/// in a few MB of memory. Weights are uniform with standard deviation 1/√K, the residual
/// branches scaled by 1/√(2·blocks) so activations stay O(1) through any depth (float16 too).
/// Input: input_ids int64 [batch, seq]; output: logits [batch, seq, vocab] in the model's type.
/// </summary>
public static class DecoderModel
{
    const int Alignment = 4096;

    public static void Write(string path, DecoderShape shape, int dataType, int seed = 1)
    {
        if (dataType is not (DataTypes.Float or DataTypes.Float16 or DataTypes.BFloat16)) throw new ArgumentException("float, float16 or bfloat16", nameof(dataType));
        string dataPath = path + ".data", location = Path.GetFileName(dataPath);
        int d = shape.Hidden, ff = shape.Intermediate;
        var g = new GraphProto { Name = "decoder" };
        g.Input.Add(Value("input_ids", DataTypes.Int64, "batch", "seq"));
        g.Output.Add(Value("logits", dataType, "batch", "seq", shape.Vocab.ToString()));
        var random = new Random(seed);
        using var data = File.Create(dataPath);

        string Weight(string name, long rows, long cols, double std)
        {
            var t = new TensorProto { Name = name, DataType = dataType, DataLocation = TensorProto.Types.DataLocation.External };
            t.Dims.Add(rows);
            t.Dims.Add(cols);
            long offset = (data.Position + Alignment - 1) / Alignment * Alignment;
            data.SetLength(Math.Max(data.Length, offset));
            data.Position = offset;
            long length = WriteRandom(data, rows * cols, dataType, (float)(std * Math.Sqrt(3)), random);
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
            t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
            g.Initializer.Add(t);
            return name;
        }
        string Scalar(string name, float v)
        {
            g.Initializer.Add(Tensors.FromFloats(name, dataType, [], [v]));
            return name;
        }
        void Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
        {
            var n = new NodeProto { OpType = op, Name = output + "_" + op, Output = { output } };
            n.Input.AddRange(inputs);
            n.Attribute.AddRange(attributes);
            g.Node.Add(n);
        }

        double branch = 1 / Math.Sqrt(2.0 * shape.Blocks);
        Node("Gather", [Weight("embed_tokens", shape.Vocab, d, 1.0), "input_ids"], "h0", new AttributeProto { Name = "axis", I = 0, Type = AttributeProto.Types.AttributeType.Int });
        string scale = Scalar("attention_scale", (float)(1 / Math.Sqrt(d)));
        string h = "h0";
        for (int b = 0; b < shape.Blocks; b++)
        {
            string p = $"layers.{b}.";
            Node("MatMul", [h, Weight(p + "q_proj", d, d, 1 / Math.Sqrt(d))], p + "q");
            Node("MatMul", [h, Weight(p + "k_proj", d, d, 1 / Math.Sqrt(d))], p + "k");
            Node("MatMul", [h, Weight(p + "v_proj", d, d, 1 / Math.Sqrt(d))], p + "v");
            Node("Transpose", [p + "k"], p + "kt", new AttributeProto { Name = "perm", Ints = { 0, 2, 1 }, Type = AttributeProto.Types.AttributeType.Ints });
            Node("MatMul", [p + "q", p + "kt"], p + "scores_raw");
            Node("Mul", [p + "scores_raw", scale], p + "scores");
            Node("Softmax", [p + "scores"], p + "probs", new AttributeProto { Name = "axis", I = -1, Type = AttributeProto.Types.AttributeType.Int });
            Node("MatMul", [p + "probs", p + "v"], p + "context");
            Node("MatMul", [p + "context", Weight(p + "o_proj", d, d, branch / Math.Sqrt(d))], p + "attn_out");
            Node("Add", [h, p + "attn_out"], p + "h_attn");
            Node("MatMul", [p + "h_attn", Weight(p + "gate_proj", d, ff, 1 / Math.Sqrt(d))], p + "gate");
            Node("MatMul", [p + "h_attn", Weight(p + "up_proj", d, ff, 1 / Math.Sqrt(d))], p + "up");
            Node("Sigmoid", [p + "gate"], p + "gate_sigmoid");
            Node("Mul", [p + "gate", p + "gate_sigmoid"], p + "gate_silu");
            Node("Mul", [p + "gate_silu", p + "up"], p + "mlp_hidden");
            Node("MatMul", [p + "mlp_hidden", Weight(p + "down_proj", ff, d, branch / Math.Sqrt(ff))], p + "mlp_out");
            Node("Add", [p + "h_attn", p + "mlp_out"], p + "h");
            h = p + "h";
        }
        Node("MatMul", [h, Weight("lm_head", d, shape.Vocab, 1 / Math.Sqrt(d))], "logits");

        var model = new ModelProto { IrVersion = 8, ProducerName = "Quanta.Bench DecoderModel", Graph = g, OpsetImport = { new OperatorSetIdProto { Version = 17 } } };
        using var file = File.Create(path);
        Google.Protobuf.MessageExtensions.WriteTo(model, file);
    }

    /// <summary>Writes <paramref name="count"/> uniform values in [−a, a] in slices; returns the bytes written.</summary>
    static long WriteRandom(Stream data, long count, int dataType, float a, Random random)
    {
        const int Slice = 1 << 20;
        var values = new float[Slice];
        var halves = new Half[Slice];
        var brains = new ushort[Slice];
        for (long done = 0; done < count;)
        {
            int n = (int)Math.Min(Slice, count - done);
            for (int i = 0; i < n; i++) values[i] = (random.NextSingle() * 2 - 1) * a;
            if (dataType == DataTypes.Float) data.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan(0, n)));
            else if (dataType == DataTypes.BFloat16)
            {
                // bfloat16: the top 16 bits of the float, rounded to nearest even.
                for (int i = 0; i < n; i++)
                {
                    uint bits = BitConverter.SingleToUInt32Bits(values[i]);
                    brains[i] = (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
                }
                data.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(brains.AsSpan(0, n)));
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values.AsSpan(0, n), halves.AsSpan(0, n));
                data.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves.AsSpan(0, n)));
            }
            done += n;
        }
        return count * (dataType == DataTypes.Float ? 4 : 2);
    }

    static ValueInfoProto Value(string name, int type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(long.TryParse(d, out var v) ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }
}
