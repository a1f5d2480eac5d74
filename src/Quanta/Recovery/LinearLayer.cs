using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Recovery;

/// <summary>
/// A Conv or Gemm whose weight (and bias, when present) are constants: what the recovery
/// algorithms rescale, re-round and re-bias. Knows which weight axis holds the output channels
/// and which the input channels, and writes changed values back to the graph's initializers.
/// </summary>
sealed class LinearLayer(NodeProto node, long[] shape, float[] weight, float[]? bias, int groups, int outAxis)
{
    public NodeProto Node { get; } = node;
    public string WeightName => Node.Input[1];
    public string? BiasName => Node.Input.Count > 2 && Node.Input[2].Length > 0 ? Node.Input[2] : null;
    public long[] WeightShape { get; } = shape;
    public float[] Weight { get; set; } = weight;
    public float[]? Bias { get; set; } = bias;
    /// <summary>Conv groups (1 for Gemm).</summary>
    public int Groups { get; } = groups;
    /// <summary>Weight axis of the output channels: 0 for Conv and transB Gemm, 1 for plain Gemm.</summary>
    public int OutAxis { get; } = outAxis;
    public int OutChannels => (int)WeightShape[OutAxis];
    /// <summary>Input channels the layer reads (all groups together).</summary>
    public int InChannels => Node.OpType == "Conv" ? (int)WeightShape[1] * Groups : (int)WeightShape[1 - OutAxis];
    public bool IsDepthwise => Node.OpType == "Conv" && Groups > 1 && WeightShape[1] == 1 && Groups == OutChannels;

    /// <summary>
    /// The layer when <paramref name="node"/> is a Conv (not transposed) or a Gemm without transA,
    /// alpha or beta, with a constant float weight used by this node alone and a 1-D constant
    /// bias (or none); otherwise null.
    /// </summary>
    public static LinearLayer? Of(Graph g, NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx") || node.OpType is not ("Conv" or "Gemm") || node.Input.Count < 2) return null;
        var w = g.Initializer(node.Input[1]);
        if (w is null || w.DataType != DataTypes.Float || g.Consumers(node.Input[1]).Count != 1) return null;
        long Attr(string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
        int outAxis = 0, groups = 1;
        if (node.OpType == "Gemm")
        {
            if (Attr("transA", 0) != 0 || w.Dims.Count != 2) return null;
            if (node.Attribute.Any(a => a.Name is "alpha" or "beta" && a.F != 1f)) return null;
            outAxis = Attr("transB", 0) != 0 ? 0 : 1;
        }
        else
        {
            if (w.Dims.Count < 3) return null;
            groups = (int)Attr("group", 1);
        }
        float[]? bias = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var b = g.Initializer(node.Input[2]);
            if (b is null || b.DataType != DataTypes.Float || b.Dims.Count != 1 || g.Consumers(node.Input[2]).Count != 1) return null;
            bias = Tensors.ToFloats(b);
        }
        var shape = w.Dims.ToArray();
        var layer = new LinearLayer(node, shape, Tensors.ToFloats(w), bias, groups, outAxis);
        return bias is null || bias.Length == layer.OutChannels ? layer : null;
    }

    /// <summary>Elements of the weight per output channel (the row length of the [out, K] matrix view).</summary>
    public int RowLength => Weight.Length / OutChannels;

    /// <summary>The weight as an [out, K] row-major matrix (Conv: K = C/g·k…; Gemm: K = inputs), a copy for plain Gemm.</summary>
    public float[] Rows()
    {
        if (OutAxis == 0) return (float[])Weight.Clone();
        int k = (int)WeightShape[0], n = (int)WeightShape[1];
        var rows = new float[Weight.Length];
        for (int i = 0; i < k; i++)
            for (int o = 0; o < n; o++) rows[o * k + i] = Weight[i * n + o];
        return rows;
    }

    /// <summary>Stores an [out, K] matrix back into the weight's own layout.</summary>
    public void SetRows(float[] rows)
    {
        if (OutAxis == 0) { Weight = rows; return; }
        int k = (int)WeightShape[0], n = (int)WeightShape[1];
        var w = new float[rows.Length];
        for (int i = 0; i < k; i++)
            for (int o = 0; o < n; o++) w[i * n + o] = rows[o * k + i];
        Weight = w;
    }

    /// <summary>Largest |w| per output channel.</summary>
    public float[] OutputRanges()
    {
        var rows = Rows();
        int k = RowLength;
        var r = new float[OutChannels];
        for (int o = 0; o < r.Length; o++)
            r[o] = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(rows.AsSpan(o * k, k)) is var m ? MathF.Abs(m) : 0;
        return r;
    }

    /// <summary>Largest |w| per input channel (for a depthwise Conv, input channel i is output channel i).</summary>
    public float[] InputRanges()
    {
        var r = new float[InChannels];
        ForEachInputChannel((c, i) => r[c] = MathF.Max(r[c], MathF.Abs(Weight[i])));
        return r;
    }

    /// <summary>Divides output channel o (weight slice and bias) by <paramref name="factors"/>[o].</summary>
    public void DivideOutputs(float[] factors)
    {
        var rows = Rows();
        int k = RowLength;
        for (int o = 0; o < factors.Length; o++)
        {
            for (int j = 0; j < k; j++) rows[o * k + j] /= factors[o];
            if (Bias is not null) Bias[o] /= factors[o];
        }
        SetRows(rows);
    }

    /// <summary>Multiplies the weights reading input channel c by <paramref name="factors"/>[c].</summary>
    public void MultiplyInputs(float[] factors) => ForEachInputChannel((c, i) => Weight[i] *= factors[c]);

    /// <summary>
    /// The smallest value each output channel can take (bias included) when input channel c ranges
    /// over [0, <paramref name="inputHigh"/>[c]]: every negative weight meets its input's top, every
    /// positive one a zero. Zero padding stays inside that interval, so the bound holds everywhere.
    /// </summary>
    public float[] LowestOutputs(float[] inputHigh)
    {
        var low = new double[OutChannels];
        if (Bias is not null)
            for (int o = 0; o < low.Length; o++) low[o] = Bias[o];
        ForEachInputChannel((c, i) => { if (Weight[i] < 0) low[OutputOf(i)] += Weight[i] * (double)inputHigh[c]; });
        return low.Select(v => (float)v).ToArray();
    }

    /// <summary>
    /// Folds a constant <paramref name="shift"/>[c] added to input channel c into the bias
    /// (bias[o] += Σ w·shift over the weights reading c). Exact only where every output reads
    /// every tap, so for a Gemm or an unpadded Conv: see <see cref="Unpadded"/>.
    /// </summary>
    public void AbsorbInputShift(float[] shift)
    {
        var added = new double[OutChannels];
        ForEachInputChannel((c, i) => added[OutputOf(i)] += Weight[i] * (double)shift[c]);
        for (int o = 0; o < added.Length; o++) Bias![o] += (float)added[o];
    }

    /// <summary>A Gemm, or a Conv without padding: a constant input shows up whole in every output.</summary>
    public bool Unpadded()
    {
        if (Node.OpType == "Gemm") return true;
        foreach (var a in Node.Attribute)
        {
            if (a.Name == "pads" && a.Ints.Any(p => p != 0)) return false;
            if (a.Name == "auto_pad" && a.S.ToStringUtf8() is not ("NOTSET" or "VALID" or "")) return false;
        }
        return true;
    }

    /// <summary>The output channel weight element <paramref name="index"/> belongs to.</summary>
    int OutputOf(int index) => OutAxis == 0 ? index / RowLength : index % (int)WeightShape[1];

    /// <summary>Calls <paramref name="visit"/>(input channel, weight index) for every weight element.</summary>
    void ForEachInputChannel(Action<int, int> visit)
    {
        if (Node.OpType == "Gemm")
        {
            int rows = (int)WeightShape[0], cols = (int)WeightShape[1];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) visit(OutAxis == 0 ? j : i, i * cols + j);
            return;
        }
        int perGroupIn = (int)WeightShape[1], outPerGroup = OutChannels / Groups;
        int spatial = RowLength / perGroupIn;
        for (int o = 0; o < OutChannels; o++)
        {
            int group = o / outPerGroup;
            for (int ci = 0; ci < perGroupIn; ci++)
            {
                int c = group * perGroupIn + ci, start = (o * perGroupIn + ci) * spatial;
                for (int s = 0; s < spatial; s++) visit(c, start + s);
            }
        }
    }

    /// <summary>Writes the weight and bias back into the graph's initializers (same names, same shapes).</summary>
    public void Store(Graph g)
    {
        Replace(g, WeightName, WeightShape, Weight);
        if (Bias is not null) Replace(g, BiasName!, [Bias.Length], Bias);
    }

    /// <summary>Gives the layer a zero bias initializer when it has none, so corrections have somewhere to go.</summary>
    public void EnsureBias(Graph g)
    {
        if (Bias is not null) return;
        Bias = new float[OutChannels];
        string name = g.UniqueName(WeightName + "_bias");
        g.AddInitializer(Tensors.FromFloats(name, [Bias.Length], Bias));
        while (Node.Input.Count < 3) Node.Input.Add("");
        Node.Input[2] = name;
        g.Changed();
    }

    static void Replace(Graph g, string name, long[] shape, float[] values)
    {
        var list = g.Proto.Initializer;
        for (int i = 0; i < list.Count; i++)
            if (list[i].Name == name) { list[i] = Tensors.FromFloats(name, shape, values); break; }
        g.Changed();
    }
}
