using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Quantization;

/// <summary>
/// Float models whose layers live inside control flow, built in memory with the graph IR (no
/// downloads): a Conv stack inside both branches of an If, a voice-activity model whose
/// Conv1d/LSTM/Gemm sit inside an If branch, and a recurrent cell written as a Scan body.
/// Weights are seeded Gaussians scaled like trained layers' (He / 1/√fan-in).
/// </summary>
static class ControlFlowModels
{
    public const int VadFrames = 32, VadFeatures = 16, ScanSteps = 12, ScanFeatures = 48;

    /// <summary>
    /// x [N, 3, 16, 16] → If(mean(x) &gt; 0): two different Conv–Relu–Conv branches (the then branch
    /// reads its weights from the main graph by name, the else branch holds its own) → GlobalAveragePool → Gemm.
    /// </summary>
    public static Model ConvInIf()
    {
        var r = new Random(10);
        var g = new GraphProto { Name = "conv_in_if" };
        g.Input.Add(Value("x", DataTypes.Float, "N", 3, 16, 16));
        g.Node.Add(GraphKit.MakeNode("ReduceMean", "mean", ["x"], ["mean_x"], Int("keepdims", 0)));
        g.Initializer.Add(Tensors.Scalar("zero", 0f));
        g.Node.Add(GraphKit.MakeNode("Greater", "positive", ["mean_x", "zero"], ["cond"]));
        // Outer-scope weights for the then branch.
        g.Initializer.Add(Weight(r, "then_w1", [8, 3, 3, 3]));
        g.Initializer.Add(Bias(r, "then_b1", 8));
        g.Initializer.Add(Weight(r, "then_w2", [8, 8, 3, 3]));
        g.Initializer.Add(Bias(r, "then_b2", 8));
        var then = ConvBranch("then", "then_w1", "then_b1", "then_w2", "then_b2");
        var other = ConvBranch("else", "else_w1", "else_b1", "else_w2", "else_b2");
        other.Initializer.Add(Weight(r, "else_w1", [8, 3, 3, 3]));
        other.Initializer.Add(Bias(r, "else_b1", 8));
        other.Initializer.Add(Weight(r, "else_w2", [8, 8, 3, 3]));
        other.Initializer.Add(Bias(r, "else_b2", 8));
        g.Node.Add(If("branch", "cond", "features", then, other));
        g.Node.Add(GraphKit.MakeNode("GlobalAveragePool", "pool", ["features"], ["pooled"]));
        g.Node.Add(GraphKit.MakeNode("Flatten", "flatten", ["pooled"], ["flat"]));
        g.Initializer.Add(Weight(r, "head_w", [8, 5]));
        g.Initializer.Add(Bias(r, "head_b", 5));
        g.Node.Add(GraphKit.MakeNode("Gemm", "head", ["flat", "head_w", "head_b"], ["y"]));
        g.Output.Add(Value("y", DataTypes.Float, "N", 5));
        return Wrap(g, "conv-in-if");
    }

    static GraphProto ConvBranch(string prefix, string w1, string b1, string w2, string b2)
    {
        var b = new GraphProto { Name = prefix };
        b.Node.Add(GraphKit.MakeNode("Conv", prefix + "_conv1", ["x", w1, b1], [prefix + "_c1"], Ints("pads", 1, 1, 1, 1)));
        b.Node.Add(GraphKit.MakeNode("Relu", prefix + "_relu1", [prefix + "_c1"], [prefix + "_r1"]));
        b.Node.Add(GraphKit.MakeNode("Conv", prefix + "_conv2", [prefix + "_r1", w2, b2], [prefix + "_c2"], Ints("pads", 1, 1, 1, 1)));
        b.Node.Add(GraphKit.MakeNode("Relu", prefix + "_relu2", [prefix + "_c2"], [prefix + "_out"]));
        b.Output.Add(Value(prefix + "_out", DataTypes.Float));
        return b;
    }

    /// <summary>
    /// A voice-activity model shaped like the ones exported from PyTorch: features x [1, T, F] →
    /// If(mean(x) &gt; 0): a branch per "sample rate", each Conv1d → Relu → LSTM → Gemm → Sigmoid,
    /// giving one speech probability per frame [T, 1].
    /// </summary>
    public static Model VadWithLstmInIf()
    {
        var r = new Random(20);
        var g = new GraphProto { Name = "vad" };
        g.Input.Add(Value("x", DataTypes.Float, 1, VadFrames, VadFeatures));
        g.Node.Add(GraphKit.MakeNode("ReduceMean", "level", ["x"], ["level_x"], Int("keepdims", 0)));
        g.Initializer.Add(Tensors.Scalar("threshold", 0f));
        g.Node.Add(GraphKit.MakeNode("Greater", "loud", ["level_x", "threshold"], ["cond"]));
        g.Node.Add(If("rate", "cond", "probability", VadBranch(r, "a", 24, 32), VadBranch(r, "b", 16, 24)));
        g.Output.Add(Value("probability", DataTypes.Float, VadFrames, 1));
        return Wrap(g, "vad-lstm-in-if");
    }

    static GraphProto VadBranch(Random r, string p, int channels, int hidden)
    {
        var b = new GraphProto { Name = "branch_" + p };
        b.Node.Add(GraphKit.MakeNode("Transpose", p + "_to_channels", ["x"], [p + "_xt"], Ints("perm", 0, 2, 1)));          // [1, F, T]
        b.Initializer.Add(Weight(r, p + "_conv_w", [channels, VadFeatures, 3]));
        b.Initializer.Add(Bias(r, p + "_conv_b", channels));
        b.Node.Add(GraphKit.MakeNode("Conv", p + "_conv", [p + "_xt", p + "_conv_w", p + "_conv_b"], [p + "_c"], Ints("pads", 1, 1)));
        b.Node.Add(GraphKit.MakeNode("Relu", p + "_relu", [p + "_c"], [p + "_r"]));                                           // [1, C, T]
        b.Node.Add(GraphKit.MakeNode("Transpose", p + "_to_time", [p + "_r"], [p + "_seq"], Ints("perm", 2, 0, 1)));         // [T, 1, C]
        float s = 1f / MathF.Sqrt(hidden);
        b.Initializer.Add(Tensors.FromFloats(p + "_lstm_w", [1, 4 * hidden, channels], Gaussian(r, 4 * hidden * channels, s)));
        b.Initializer.Add(Tensors.FromFloats(p + "_lstm_r", [1, 4 * hidden, hidden], Gaussian(r, 4 * hidden * hidden, s)));
        b.Initializer.Add(Tensors.FromFloats(p + "_lstm_b", [1, 8 * hidden], Gaussian(r, 8 * hidden, 0.1f)));
        b.Node.Add(GraphKit.MakeNode("LSTM", p + "_lstm", [p + "_seq", p + "_lstm_w", p + "_lstm_r", p + "_lstm_b"], [p + "_y", p + "_yh"],
            Int("hidden_size", hidden)));                                                                         // Y [T, 1, 1, H]
        b.Initializer.Add(Tensors.FromInt64s(p + "_frames", [2], [VadFrames, hidden]));
        b.Node.Add(GraphKit.MakeNode("Reshape", p + "_frames_reshape", [p + "_y", p + "_frames"], [p + "_h"]));              // [T, H]
        b.Initializer.Add(Weight(r, p + "_head_w", [hidden, 1]));
        b.Initializer.Add(Bias(r, p + "_head_b", 1));
        b.Node.Add(GraphKit.MakeNode("Gemm", p + "_head", [p + "_h", p + "_head_w", p + "_head_b"], [p + "_logit"]));
        b.Node.Add(GraphKit.MakeNode("Sigmoid", p + "_sigmoid", [p + "_logit"], [p + "_prob"]));
        b.Output.Add(Value(p + "_prob", DataTypes.Float));
        return b;
    }

    /// <summary>
    /// A recurrent cell as a Scan over x [1, T, F] (axis 1): s' = tanh(x_t·Wx + s·Ws + b), every s' a
    /// scan output [T, 1, H]; then a MatMul head on the stacked states gives y [T, 1, 4].
    /// </summary>
    public static Model RecurrentScan()
    {
        const int hidden = 64;
        var r = new Random(30);
        var g = new GraphProto { Name = "scan_rnn" };
        g.Input.Add(Value("x", DataTypes.Float, 1, ScanSteps, ScanFeatures));
        g.Initializer.Add(Tensors.FromFloats("s0", [1, hidden], new float[hidden]));
        g.Initializer.Add(Weight(r, "wx", [ScanFeatures, hidden]));
        g.Initializer.Add(Tensors.FromFloats("ws", [hidden, hidden], Gaussian(r, hidden * hidden, 0.7f / MathF.Sqrt(hidden))));
        g.Initializer.Add(Bias(r, "cell_b", hidden));
        var body = new GraphProto { Name = "cell" };
        body.Input.Add(Value("s_in", DataTypes.Float, 1, hidden));
        body.Input.Add(Value("x_t", DataTypes.Float, 1, ScanFeatures));
        body.Node.Add(GraphKit.MakeNode("MatMul", "input_proj", ["x_t", "wx"], ["xp"]));
        body.Node.Add(GraphKit.MakeNode("MatMul", "state_proj", ["s_in", "ws"], ["sp"]));
        body.Node.Add(GraphKit.MakeNode("Add", "sum", ["xp", "sp"], ["pre0"]));
        body.Node.Add(GraphKit.MakeNode("Add", "bias", ["pre0", "cell_b"], ["pre"]));
        body.Node.Add(GraphKit.MakeNode("Tanh", "tanh", ["pre"], ["s_out"]));
        body.Node.Add(GraphKit.MakeNode("Identity", "emit", ["s_out"], ["s_emit"]));
        body.Output.Add(Value("s_out", DataTypes.Float, 1, hidden));
        body.Output.Add(Value("s_emit", DataTypes.Float, 1, hidden));
        var scan = GraphKit.MakeNode("Scan", "rnn", ["s0", "x"], ["s_final", "states"], Int("num_scan_inputs", 1), Ints("scan_input_axes", 1));
        scan.Attribute.Add(new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body });
        g.Node.Add(scan);
        g.Initializer.Add(Weight(r, "head_w", [hidden, 4]));
        g.Node.Add(GraphKit.MakeNode("MatMul", "head", ["states", "head_w"], ["y"]));
        g.Output.Add(Value("y", DataTypes.Float, ScanSteps, 1, 4));
        return Wrap(g, "rnn-scan");
    }

    /// <summary>
    /// One feature-like sample: a smooth random wave plus noise, with an offset whose sign follows
    /// the index's parity and picks the If branch, so consecutive samples exercise both branches.
    /// </summary>
    public static float[] Sample(int index, int size, int rowLength)
    {
        var r = new Random(index);
        var data = new float[size];
        float offset = (index % 2 == 0 ? 1 : -1) * (0.2f + 0.3f * (float)r.NextDouble());
        double f1 = 0.1 + r.NextDouble() * 0.5, f2 = 0.1 + r.NextDouble() * 0.5, phase = r.NextDouble() * 6.28;
        for (int i = 0; i < size; i++)
        {
            int row = i / rowLength, col = i % rowLength;
            data[i] = offset + 0.8f * (float)(Math.Sin(f1 * row + phase) * Math.Cos(f2 * col)) + 0.2f * (float)Gauss(r);
        }
        return data;
    }

    // ---- building blocks --------------------------------------------------------------------

    static Model Wrap(GraphProto g, string name)
    {
        var proto = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "quanta-tests" };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, name);
    }

    static NodeProto If(string name, string cond, string output, GraphProto then, GraphProto otherwise)
    {
        var n = GraphKit.MakeNode("If", name, [cond], [output]);
        n.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then });
        n.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise });
        return n;
    }

    static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    static ValueInfoProto Value(string name, int type, params object[] dims)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = type };
        if (dims.Length > 0)
        {
            tt.Shape = new TensorShapeProto();
            foreach (var d in dims)
                tt.Shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } };
    }

    /// <summary>He-initialised weight: fan-in is every dimension but the output one (first for Conv, first for [K, N] MatMul).</summary>
    static TensorProto Weight(Random r, string name, long[] dims)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        long fanIn = dims.Length == 2 ? dims[0] : count / dims[0];
        return Tensors.FromFloats(name, dims, Gaussian(r, (int)count, MathF.Sqrt(2f / fanIn)));
    }

    static TensorProto Bias(Random r, string name, int n) => Tensors.FromFloats(name, [n], Gaussian(r, n, 0.05f));

    static float[] Gaussian(Random r, int count, float std)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)Gauss(r) * std;
        return v;
    }

    static double Gauss(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
