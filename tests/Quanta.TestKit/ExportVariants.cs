using Google.Protobuf;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Tests.TestModels;
using AttrType = Quanta.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace Quanta.Tests.Normalize;

/// <summary>
/// Rewrites the clean reference models into the shapes real exporters produce (older opsets,
/// constants as nodes, LayerNorm and BatchNorm spelled out, hard-swish as arithmetic, dynamic
/// reshapes), so normalization is tested and benchmarked on what users actually feed in. Every
/// method returns a new model and leaves its argument alone; all but the hard-swish/sigmoid ones
/// keep the function (up to float rounding).
/// </summary>
public static class ExportVariants
{
    /// <summary>The ordinary "old exporter" version: BN unfolded, LN decomposed, dynamic reshapes, opset 11, Constant nodes.</summary>
    public static Model RealWorld(Model model, int seed = 11) =>
        InitializersToConstants(DowngradeToOpset11(DynamicBatchReshape(DecomposeLayerNorm(UnfoldBatchNorm(model, seed)))));

    /// <summary>(a) Every initializer becomes a Constant node, as torch.onnx does with do_constant_folding off.</summary>
    public static Model InitializersToConstants(Model model)
    {
        var m = model.Clone();
        var g = m.Graph.Proto;
        var constants = g.Initializer.Select(t => GraphKit.MakeNode("Constant", t.Name + "_const", [], [t.Name], TensorAttr("value", t))).ToList();
        var names = g.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var input in g.Input.Where(i => names.Contains(i.Name)).ToList()) g.Input.Remove(input);
        g.Initializer.Clear();
        for (int i = constants.Count - 1; i >= 0; i--) g.Node.Insert(0, constants[i]);
        m.Graph.Changed();
        return m;
    }

    /// <summary>(b) Every LayerNormalization (last axis) becomes ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add.</summary>
    public static Model DecomposeLayerNorm(Model model)
    {
        var m = model.Clone();
        var g = m.Graph;
        bool axesAsInput = m.Opset("") >= 18;
        foreach (var ln in g.Nodes.Where(n => n.OpType == "LayerNormalization").ToList())
        {
            if ((IntAttr(ln, "axis") ?? -1) != -1) throw new InvalidOperationException("only last-axis LayerNormalization is decomposed");
            if (ln.Output.Skip(1).Any(o => o.Length > 0 && g.Consumers(o).Count > 0)) throw new InvalidOperationException("LayerNormalization mean/inv-std outputs are used");
            float eps = FloatAttr(ln, "epsilon") ?? 1e-5f;
            string p = Graph.Describe(ln);
            string x = ln.Input[0], y = ln.Output[0];
            string T(string s) => g.UniqueName($"{p}/{s}");
            string C(string s, TensorProto t) { t.Name = T(s); g.AddInitializer(t); return t.Name; }
            NodeProto Reduce(string input, string output) => axesAsInput
                ? GraphKit.MakeNode("ReduceMean", T("ReduceMean"), [input, C("axes", Tensors.FromInt64s("", [1], [-1]))], [output])
                : GraphKit.MakeNode("ReduceMean", T("ReduceMean"), [input], [output], Ints("axes", -1));

            string mean = T("mean"), d = T("centered"), sq = T("squared"), variance = T("variance"), ve = T("variance_eps"),
                std = T("std"), normed = T("normed"), scaled = ln.Input.Count > 2 && ln.Input[2].Length > 0 ? T("scaled") : y;
            g.RemoveNode(ln);
            g.AddNode(Reduce(x, mean));
            g.AddNode(GraphKit.MakeNode("Sub", T("Sub"), [x, mean], [d]));
            g.AddNode(GraphKit.MakeNode("Pow", T("Pow"), [d, C("two", Tensors.Scalar("", 2f))], [sq]));
            g.AddNode(Reduce(sq, variance));
            g.AddNode(GraphKit.MakeNode("Add", T("Add"), [variance, C("eps", Tensors.Scalar("", eps))], [ve]));
            g.AddNode(GraphKit.MakeNode("Sqrt", T("Sqrt"), [ve], [std]));
            g.AddNode(GraphKit.MakeNode("Div", T("Div"), [d, std], [normed]));
            g.AddNode(GraphKit.MakeNode("Mul", T("Mul"), [normed, ln.Input[1]], [scaled]));
            if (scaled != y) g.AddNode(GraphKit.MakeNode("Add", T("Add"), [scaled, ln.Input[2]], [y]));
        }
        g.SortTopologically();
        return m;
    }

    /// <summary>
    /// (c) After each Conv a BatchNormalization with seeded random statistics; the Conv's weights and
    /// bias are divided through so that BN(conv'(x)) = conv(x): W' = W·σ/γ, b' = (b−β)·σ/γ + μ.
    /// </summary>
    public static Model UnfoldBatchNorm(Model model, int seed = 11)
    {
        var m = model.Clone();
        var g = m.Graph;
        var rng = new Random(seed);
        const float eps = 1e-5f;
        foreach (var conv in g.Nodes.Where(n => n.OpType == "Conv").ToList())
        {
            var w = g.Initializer(conv.Input[1]) ?? throw new InvalidOperationException("Conv weight must be an initializer");
            float[] weights = Tensors.ToFloats(w);
            int channels = (int)w.Dims[0], perChannel = weights.Length / channels;
            float[] bias = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? Tensors.ToFloats(g.Initializer(conv.Input[2])!) : new float[channels];
            float[] gamma = Draw(rng, channels, 0.5f, 1.5f), beta = Draw(rng, channels, -0.5f, 0.5f);
            float[] mean = Draw(rng, channels, -0.5f, 0.5f), variance = Draw(rng, channels, 0.5f, 1.5f);
            for (int c = 0; c < channels; c++)
            {
                float k = MathF.Sqrt(variance[c] + eps) / gamma[c];
                for (int i = 0; i < perChannel; i++) weights[c * perChannel + i] *= k;
                bias[c] = (bias[c] - beta[c]) * k + mean[c];
            }
            string name = Graph.Describe(conv);
            string Add(string s, float[] v) { var t = Tensors.FromFloats(g.UniqueName($"{name}.{s}"), s == "weight" ? w.Dims.ToArray() : [channels], v); g.AddInitializer(t); return t.Name; }
            conv.Input[1] = Add("weight", weights);
            if (conv.Input.Count > 2) conv.Input[2] = Add("bias", bias); else conv.Input.Add(Add("bias", bias));
            string y = conv.Output[0], raw = g.UniqueName(y + "_prebn");
            conv.Output[0] = raw;
            g.AddNode(GraphKit.MakeNode("BatchNormalization", g.UniqueName(name + "_bn"),
                [raw, Add("bn.gamma", gamma), Add("bn.beta", beta), Add("bn.mean", mean), Add("bn.var", variance)], [y], FloatAttr("epsilon", eps)));
        }
        g.RemoveUnused();
        g.SortTopologically();
        return m;
    }

    static float[] Draw(Random rng, int n, float lo, float hi) => Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * rng.NextSingle()).ToArray();

    /// <summary>Ops that mean the same at opset 11 as at 17 once their inputs/attributes are rewritten below.</summary>
    static readonly HashSet<string> ExpressibleAt11 =
    [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape", "Conv", "Div",
        "Equal", "Erf", "Expand", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "HardSigmoid", "Identity", "MatMul",
        "MaxPool", "Mod", "Mul", "Pow", "ReduceMean", "ReduceSum", "Relu", "Reshape", "Shape", "Sigmoid", "Slice", "Softmax",
        "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze", "Where",
    ];

    /// <summary>(d) The opset-11 spelling: axes as attributes, no allowzero; throws for ops opset 11 cannot say.</summary>
    public static Model DowngradeToOpset11(Model model)
    {
        var m = model.Clone();
        var g = m.Graph;
        long from = m.Opset("");
        foreach (var n in g.Nodes.ToList())
        {
            if (!ExpressibleAt11.Contains(n.OpType)) throw new InvalidOperationException($"{n.OpType} cannot be expressed at opset 11");
            switch (n.OpType)
            {
                case "Squeeze" or "Unsqueeze" or "ReduceSum" when n.Input.Count > 1:
                case "ReduceMean" when n.Input.Count > 1 && from >= 18:
                    var axes = g.ConstantValue(n.Input[1]) ?? throw new InvalidOperationException($"{n.OpType} axes are not constant");
                    n.Attribute.Add(Ints("axes", Tensors.ToInt64s(axes)));
                    n.Input.RemoveAt(1);
                    break;
                case "Reshape":
                    if ((IntAttr(n, "allowzero") ?? 0) != 0) throw new InvalidOperationException("Reshape allowzero=1 cannot be expressed at opset 11");
                    Remove(n, "allowzero");
                    break;
                case "Softmax":
                    if ((IntAttr(n, "axis") ?? -1) != -1) throw new InvalidOperationException("Softmax over a non-last axis means something else at opset 11");
                    Remove(n, "axis");
                    n.Attribute.Add(IntAttr("axis", -1));
                    break;
                case "Constant" when n.Attribute.Any(a => a.Name != "value"):
                    throw new InvalidOperationException("Constant without a 'value' tensor cannot be expressed at opset 11");
            }
        }
        m.SetOpset("", 11);
        g.Changed();
        return m;
    }

    /// <summary>
    /// (e) Every Relu becomes hard-swish written out, cycling through the three spellings exporters use:
    /// x·c/6, (c·x)·(1/6) and x·(c/6) with c = Clip(x+3, 0, 6). With <paramref name="clipAttributes"/>
    /// the Clip bounds are attributes and the import is opset 10 (how opset-10 exporters wrote Relu6).
    /// </summary>
    public static Model HardSwishForRelu(Model model, bool clipAttributes = false) => ReplaceRelu(model, clipAttributes, swish: true);

    /// <summary>Every Relu becomes Clip(x+3, 0, 6)/6 — hard-sigmoid written out.</summary>
    public static Model HardSigmoidForRelu(Model model) => ReplaceRelu(model, clipAttributes: false, swish: false);

    static Model ReplaceRelu(Model model, bool clipAttributes, bool swish)
    {
        var m = model.Clone();
        var g = m.Graph;
        string Const(string hint, float v) { var t = Tensors.Scalar(g.UniqueName(hint), v); g.AddInitializer(t); return t.Name; }
        int k = 0;
        foreach (var relu in g.Nodes.Where(n => n.OpType == "Relu").ToList())
        {
            string x = relu.Input[0], y = relu.Output[0], p = Graph.Describe(relu);
            string a = g.UniqueName(p + "/plus3"), c = g.UniqueName(p + "/relu6"), t = g.UniqueName(p + "/tmp");
            g.RemoveNode(relu);
            g.AddNode(GraphKit.MakeNode("Add", g.UniqueName(p + "/Add"), [x, Const("three", 3f)], [a]));
            g.AddNode(clipAttributes
                ? GraphKit.MakeNode("Clip", g.UniqueName(p + "/Clip"), [a], [c], FloatAttr("min", 0f), FloatAttr("max", 6f))
                : GraphKit.MakeNode("Clip", g.UniqueName(p + "/Clip"), [a, Const("zero", 0f), Const("six", 6f)], [c]));
            if (!swish) { g.AddNode(GraphKit.MakeNode("Div", g.UniqueName(p + "/Div"), [c, Const("six", 6f)], [y])); continue; }
            switch (k++ % 3)
            {
                case 0:
                    g.AddNode(GraphKit.MakeNode("Mul", g.UniqueName(p + "/Mul"), [x, c], [t]));
                    g.AddNode(GraphKit.MakeNode("Div", g.UniqueName(p + "/Div"), [t, Const("six", 6f)], [y]));
                    break;
                case 1:
                    g.AddNode(GraphKit.MakeNode("Mul", g.UniqueName(p + "/Mul"), [c, x], [t]));
                    g.AddNode(GraphKit.MakeNode("Mul", g.UniqueName(p + "/Mul"), [t, Const("sixth", 1f / 6f)], [y]));
                    break;
                default:
                    g.AddNode(GraphKit.MakeNode("Div", g.UniqueName(p + "/Div"), [c, Const("six", 6f)], [t]));
                    g.AddNode(GraphKit.MakeNode("Mul", g.UniqueName(p + "/Mul"), [x, t], [y]));
                    break;
            }
        }
        if (clipAttributes) m.SetOpset("", 10);
        g.SortTopologically();
        return m;
    }

    /// <summary>
    /// (f) The batch-polymorphic reshape PyTorch writes for <c>x.view(x.size(0), -1)</c>:
    /// Shape → Gather(0) → Unsqueeze → Concat(·, [-1]) → Reshape, replacing every Flatten(axis=1)
    /// and every Reshape whose constant shape starts with 0 (copy the batch). The ViT export already
    /// holds dozens of such chains, so there this adds nothing.
    /// </summary>
    public static Model DynamicBatchReshape(Model model)
    {
        var m = model.Clone();
        var g = m.Graph;
        bool axesAsInput = m.Opset("") >= 13;
        foreach (var n in g.Nodes.ToList())
        {
            long[]? rest = n.OpType switch
            {
                "Flatten" when (IntAttr(n, "axis") ?? 1) == 1 => [-1],
                "Reshape" when g.ConstantValue(n.Input[1]) is { } s && Tensors.ToInt64s(s) is [0, .. var tail] => tail,
                _ => null,
            };
            if (rest is null) continue;
            string x = n.Input[0], p = Graph.Describe(n);
            string T(string s) => g.UniqueName($"{p}/{s}");
            string C(string s, TensorProto t) { t.Name = T(s); g.AddInitializer(t); return t.Name; }
            string shape = T("shape"), batch = T("batch"), batch1 = T("batch_1d"), target = T("target");
            g.RemoveNode(n);
            g.AddNode(GraphKit.MakeNode("Shape", T("Shape"), [x], [shape]));
            g.AddNode(GraphKit.MakeNode("Gather", T("Gather"), [shape, C("zero", Tensors.FromInt64s("", [], [0]))], [batch], IntAttr("axis", 0)));
            g.AddNode(axesAsInput
                ? GraphKit.MakeNode("Unsqueeze", T("Unsqueeze"), [batch, C("axes", Tensors.FromInt64s("", [1], [0]))], [batch1])
                : GraphKit.MakeNode("Unsqueeze", T("Unsqueeze"), [batch], [batch1], Ints("axes", 0)));
            g.AddNode(GraphKit.MakeNode("Concat", T("Concat"), [batch1, C("rest", Tensors.FromInt64s("", [rest.Length], rest))], [target], IntAttr("axis", 0)));
            g.AddNode(GraphKit.MakeNode("Reshape", T("Reshape"), [x, target], [n.Output[0]]));
        }
        g.SortTopologically();
        return m;
    }

    static long? IntAttr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.I;
    static float? FloatAttr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.F;
    static void Remove(NodeProto n, string name) { if (n.Attribute.FirstOrDefault(a => a.Name == name) is { } a) n.Attribute.Remove(a); }
    static AttributeProto IntAttr(string name, long v) => new() { Name = name, Type = AttrType.Int, I = v };
    static AttributeProto FloatAttr(string name, float v) => new() { Name = name, Type = AttrType.Float, F = v };
    static AttributeProto TensorAttr(string name, TensorProto t) => new() { Name = name, Type = AttrType.Tensor, T = t.Clone() };
    static AttributeProto Ints(string name, params long[] v) { var a = new AttributeProto { Name = name, Type = AttrType.Ints }; a.Ints.AddRange(v); return a; }
}
