using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR.Passes;

/// <summary>
/// Folds an inference-mode BatchNormalization into the Conv, ConvTranspose (group 1), Gemm or
/// 2-D MatMul with constant weights that feeds it, when that producer's output goes nowhere
/// else. With s = γ/√(var+ε): W' = W·s per output channel, b' = (b − mean)·s + β. Folding
/// matters for quantization: a BN left alone would be quantized as its own op, and the scaled
/// weights would be quantized with the wrong per-channel range. A standalone BN is left alone.
/// A Mul of a Conv's output by a constant (a scalar or one value per output channel, as
/// UltraFace's RFB blocks scale a branch by 0.1) folds the same way, with no shift: ONNX Runtime
/// folds it into its float Conv, so left alone it would be an integer Mul of its own in the int8 model.
/// </summary>
internal sealed class FoldBatchNorm : IGraphPass
{
    public string Name => "FoldBatchNorm";

    public int Apply(Model model)
    {
        var graph = model.Graph;
        Dictionary<string, TensorTypeInfo>? types = null;
        var touched = new HashSet<string>();
        int folded = 0;
        foreach (var bn in graph.Nodes.ToList())
        {
            bool mul = bn.OpType == "Mul";
            if (!mul && bn.OpType != "BatchNormalization" || !bn.IsStandard() || bn.GetInt("training_mode", 0) != 0) continue;
            if (HasUsedExtraOutputs(graph, bn)) continue;
            string? x = mul ? ScaledInput(graph, bn) : bn.Input[0];
            if (x is null) continue;
            var producer = graph.Producer(x);
            if (producer is null || !producer.IsStandard() || graph.Consumers(x).Count != 1 || graph.IsGraphOutput(x)) continue;
            if ((mul ? ConvScale(graph, bn, x, producer) : Affine(graph, bn)) is not { } affine) continue;

            var replaced = producer.Input.ToList();
            bool ok = producer.OpType switch
            {
                "Conv" => FoldConv(graph, producer, affine, transposed: false),
                "ConvTranspose" => FoldConv(graph, producer, affine, transposed: true),
                "Gemm" => FoldGemm(graph, producer, affine),
                "MatMul" => FoldMatMul(graph, producer, affine, types ??= ShapeInference.Analyze(model)),
                _ => false,
            };
            if (!ok) continue;
            foreach (var i in bn.Input.Where(i => i != x)) touched.Add(i);
            foreach (var i in replaced) touched.Add(i);
            // The producer now writes the BN's output, so downstream names are unchanged.
            var writer = graph.Producer(x)!; // MatMul folding replaced the node
            writer.Output[0] = bn.Output[0];
            graph.Proto.Node.Remove(bn);
            var info = graph.Proto.ValueInfo.FirstOrDefault(v => v.Name == x);
            if (info is not null) graph.Proto.ValueInfo.Remove(info);
            graph.Changed();
            folded++;
        }
        RemoveDeadInitializers(graph, touched);
        return folded;
    }

    /// <summary>Per-channel scale s = γ/√(var+ε) and shift β − mean·s, or null when not constant float.</summary>
    static (float[] Scale, float[] Shift)? Affine(Graph graph, NodeProto bn)
    {
        if (bn.Input.Count < 5) return null;
        var p = new float[4][];
        for (int i = 0; i < 4; i++)
        {
            var t = graph.ConstantValue(bn.Input[i + 1]);
            if (t is null || t.DataType != DataTypes.Float) return null;
            p[i] = Tensors.ToFloats(t);
        }
        int c = p[0].Length;
        if (p[1].Length != c || p[2].Length != c || p[3].Length != c) return null;
        double eps = bn.GetFloat("epsilon", 1e-5f);
        var scale = new float[c];
        var shift = new float[c];
        for (int k = 0; k < c; k++)
        {
            double s = p[0][k] / Math.Sqrt(p[3][k] + eps);
            scale[k] = (float)s;
            shift[k] = (float)(p[1][k] - p[2][k] * s);
        }
        return (scale, shift);
    }

    /// <summary>The Mul's computed operand when the other is a float constant; null otherwise.</summary>
    static string? ScaledInput(Graph graph, NodeProto mul)
    {
        if (mul.Input.Count != 2) return null;
        bool constant0 = graph.ConstantValue(mul.Input[0]) is not null, constant1 = graph.ConstantValue(mul.Input[1]) is not null;
        return constant0 == constant1 ? null : constant0 ? mul.Input[1] : mul.Input[0];
    }

    /// <summary>
    /// A Mul's constant as one scale per output channel of the Conv that feeds it: a scalar, or C values laid
    /// out along the channel axis of the Conv's output ([C,1,1], [1,C,1,1]); null for any other shape.
    /// </summary>
    static (float[] Scale, float[] Shift)? ConvScale(Graph graph, NodeProto mul, string x, NodeProto conv)
    {
        if (conv.OpType != "Conv" || conv.Input.Count < 2 || graph.ConstantValue(conv.Input[1]) is not { } w) return null;
        var t = graph.ConstantValue(mul.Input[0] == x ? mul.Input[1] : mul.Input[0])!;
        if (t.DataType != DataTypes.Float || t.Dims.Count > w.Dims.Count) return null;
        int channels = (int)w.Dims[0], rank = w.Dims.Count;
        var v = Tensors.ToFloats(t);
        bool scalar = v.Length == 1;
        // Right-aligned against the output [N, C, spatial…], every dimension but the channel's must be 1.
        for (int j = 0; j < t.Dims.Count; j++)
        {
            int outputAxis = rank - t.Dims.Count + j;
            if (t.Dims[j] != 1 && (scalar || outputAxis != 1 || t.Dims[j] != channels)) return null;
        }
        if (!scalar && v.Length != channels) return null;
        var scale = new float[channels];
        for (int m = 0; m < channels; m++) scale[m] = v[scalar ? 0 : m];
        return (scale, new float[channels]);
    }

    static bool HasUsedExtraOutputs(Graph graph, NodeProto bn)
    {
        for (int i = 1; i < bn.Output.Count; i++)
            if (bn.Output[i].Length > 0 && (graph.Consumers(bn.Output[i]).Count > 0 || graph.IsGraphOutput(bn.Output[i]))) return true;
        return false;
    }

    /// <summary>Conv weights are [M, C/g, k…]; ConvTranspose (group 1) weights are [C, M, k…].</summary>
    static bool FoldConv(Graph graph, NodeProto conv, (float[] Scale, float[] Shift) bn, bool transposed)
    {
        if (conv.Input.Count < 2 || graph.ConstantValue(conv.Input[1]) is not { DataType: DataTypes.Float } w || w.Dims.Count < 3) return false;
        if (transposed && conv.GetInt("group", 1) != 1) return false;
        int channels = bn.Scale.Length;
        int axis = transposed ? 1 : 0;
        if (w.Dims[axis] != channels) return false;
        var bias = BiasOf(graph, conv, 2, channels);
        if (bias is null) return false;

        var weights = Tensors.ToFloats(w);
        long outer = transposed ? w.Dims[0] : 1;
        long inner = weights.LongLength / (outer * channels);
        for (long o = 0; o < outer; o++)
            for (int m = 0; m < channels; m++)
            {
                float s = bn.Scale[m];
                long start = (o * channels + m) * inner;
                for (long j = 0; j < inner; j++) weights[start + j] *= s;
            }
        for (int m = 0; m < channels; m++) bias[m] = bias[m] * bn.Scale[m] + bn.Shift[m];

        SetInput(conv, 1, AddTensor(graph, conv.Input[1], w.Dims.ToArray(), weights));
        SetInput(conv, 2, AddTensor(graph, conv.Input.Count > 2 && conv.Input[2].Length > 0 ? conv.Input[2] : conv.Input[1] + "_bias", [channels], bias));
        return true;
    }

    /// <summary>Y = α·A·op(B) + β·C: scale the columns of op(B), and C becomes β·C·s + shift with β = 1.</summary>
    static bool FoldGemm(Graph graph, NodeProto gemm, (float[] Scale, float[] Shift) bn)
    {
        if (graph.ConstantValue(gemm.Input[1]) is not { DataType: DataTypes.Float } b || b.Dims.Count != 2) return false;
        bool transB = gemm.GetInt("transB", 0) != 0;
        int channels = bn.Scale.Length;
        if (b.Dims[transB ? 0 : 1] != channels) return false;
        var bias = BiasOf(graph, gemm, 2, channels);
        if (bias is null) return false;
        float beta = gemm.GetFloat("beta", 1f);
        var weights = ScaleColumns(Tensors.ToFloats(b), b.Dims[0], b.Dims[1], bn.Scale, transB);
        for (int m = 0; m < channels; m++) bias[m] = beta * bias[m] * bn.Scale[m] + bn.Shift[m];
        SetInput(gemm, 1, AddTensor(graph, gemm.Input[1], b.Dims.ToArray(), weights));
        SetInput(gemm, 2, AddTensor(graph, gemm.Input.Count > 2 && gemm.Input[2].Length > 0 ? gemm.Input[2] : gemm.Input[1] + "_bias", [channels], bias));
        SetFloatAttribute(gemm, "beta", 1f);
        return true;
    }

    /// <summary>A 2-D MatMul with constant [K, M] weights becomes one Gemm carrying the folded bias.</summary>
    static bool FoldMatMul(Graph graph, NodeProto matmul, (float[] Scale, float[] Shift) bn, Dictionary<string, TensorTypeInfo> types)
    {
        if (!types.TryGetValue(matmul.Input[0], out var a) || a.Rank != 2) return false;
        if (graph.ConstantValue(matmul.Input[1]) is not { DataType: DataTypes.Float } b || b.Dims.Count != 2) return false;
        int channels = bn.Scale.Length;
        if (b.Dims[1] != channels) return false;
        var weights = ScaleColumns(Tensors.ToFloats(b), b.Dims[0], b.Dims[1], bn.Scale, transposed: false);
        var gemm = new NodeProto { OpType = "Gemm", Name = matmul.Name };
        gemm.Input.Add(matmul.Input[0]);
        gemm.Input.Add(AddTensor(graph, matmul.Input[1], b.Dims.ToArray(), weights));
        gemm.Input.Add(AddTensor(graph, matmul.Input[1] + "_bias", [channels], (float[])bn.Shift.Clone()));
        gemm.Output.Add(matmul.Output[0]);
        int at = graph.Nodes.IndexOf(matmul);
        graph.Proto.Node[at] = gemm;
        graph.Changed();
        return true;
    }

    static float[] ScaleColumns(float[] w, long rows, long cols, float[] scale, bool transposed)
    {
        // transposed: w is [M, K], channel m is row m; else w is [K, M], channel m is column m.
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                w[r * cols + c] *= scale[transposed ? r : c];
        return w;
    }

    /// <summary>The producer's bias as one value per channel (zeros when absent), or null if it does not broadcast that way.</summary>
    static float[]? BiasOf(Graph graph, NodeProto node, int index, int channels)
    {
        if (node.Input.Count <= index || node.Input[index].Length == 0) return new float[channels];
        if (graph.ConstantValue(node.Input[index]) is not { DataType: DataTypes.Float } t) return null;
        var v = Tensors.ToFloats(t);
        if (v.Length == channels && (t.Dims.Count == 1 || t.Dims.Count == 2 && t.Dims[0] == 1)) return v;
        if (v.Length == 1) { var r = new float[channels]; Array.Fill(r, v[0]); return r; }
        return null;
    }

    static string AddTensor(Graph graph, string hint, long[] dims, float[] values)
    {
        string name = graph.UniqueName(hint + "_bnfolded");
        graph.AddInitializer(Tensors.FromFloats(name, dims, values));
        return name;
    }

    static void SetInput(NodeProto node, int index, string name)
    {
        while (node.Input.Count <= index) node.Input.Add("");
        node.Input[index] = name;
    }

    static void SetFloatAttribute(NodeProto node, string name, float value)
    {
        var a = node.Attr(name);
        if (a is null) node.Attribute.Add(a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float });
        a.F = value;
    }

    /// <summary>Drops the replaced weights and BN parameters once nothing reads them.</summary>
    static void RemoveDeadInitializers(Graph graph, HashSet<string> candidates)
    {
        var declaredInputs = new HashSet<string>(graph.Inputs.Select(i => i.Name));
        foreach (var name in candidates)
            if (graph.IsInitializer(name) && graph.Consumers(name).Count == 0 && !graph.IsGraphOutput(name) && !declaredInputs.Contains(name))
                graph.RemoveInitializer(name);
    }
}
