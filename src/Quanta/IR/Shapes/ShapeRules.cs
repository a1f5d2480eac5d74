using Quanta.Onnx;

namespace Quanta.IR;

/// <summary>Per-operator type and shape rules (standard ONNX domain plus ORT's quantized ops).</summary>
internal static partial class ShapeRules
{
    static readonly HashSet<string> SameAsInput =
    [
        "Relu", "Clip", "Sigmoid", "Tanh", "Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "HardSigmoid", "HardSwish",
        "LeakyRelu", "Gelu", "Softmax", "LogSoftmax", "Hardmax", "Identity", "Floor", "Ceil", "Round", "Reciprocal",
        "Sin", "Cos", "Tan", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Sign", "Mish", "ThresholdedRelu",
        "InstanceNormalization", "LRN", "CumSum", "Trilu", "Not", "IsNaN", "IsInf", "MeanVarianceNormalization",
        "FastGelu", "QuickGelu", "BiasGelu", "SkipLayerNormalization",
    ];

    static readonly HashSet<string> Broadcasting =
        ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "PRelu", "BitShift", "And", "Or", "Xor", "BitwiseAnd", "BitwiseOr", "BitwiseXor"];

    static readonly HashSet<string> Comparisons = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"];

    public static void Apply(InferenceContext c)
    {
        string op = c.Node.OpType;
        if (!c.Node.IsStandard() && c.Node.Domain != "com.microsoft") return;
        if (SameAsInput.Contains(op))
        {
            Unary(c);
            return;
        }
        if (Broadcasting.Contains(op)) { Elementwise(c, c.Type(0)); return; }
        if (Comparisons.Contains(op)) { Elementwise(c, DataTypes.Bool); return; }
        switch (op)
        {
            case "Where": Where(c); break;
            case "Dropout":
                c.Set(0, c.Type(0), c.Shape(0));
                c.Set(1, DataTypes.Bool, c.Shape(0));
                break;
            case "Cast":
                c.Set(0, (int)c.Int("to", 0), c.Shape(0));
                if (c.Values(0) is { } cv && InferenceState.IsInteger((int)c.Int("to", 0))) c.SetValues(0, cv);
                break;
            case "CastLike": c.Set(0, c.Type(1), c.Shape(0)); break;
            case "LayerNormalization": LayerNorm(c); break;
            case "BatchNormalization": BatchNorm(c); break;
            case "Constant": Constant(c); break;
            case "Conv" or "ConvInteger" or "QLinearConv": Conv(c); break;
            case "ConvTranspose": ConvTranspose(c); break;
            case "MaxPool" or "AveragePool" or "LpPool": Pool(c); break;
            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool": GlobalPool(c); break;
            case "Resize" or "Upsample": Resize(c); break;
            case "Gemm": Gemm(c); break;
            case "MatMul": MatMul(c, 0, 1, c.Type(0)); break;
            case "MatMulInteger": MatMul(c, 0, 1, DataTypes.Int32); break;
            case "QLinearMatMul": MatMul(c, 0, 3, c.HasInput(7) ? c.Type(7) : c.Type(0)); break;
            case "QuantizeLinear": Quantize(c); break;
            case "DequantizeLinear": c.Set(0, c.HasInput(1) ? c.Type(1) : DataTypes.Float, c.Shape(0)); break;
            case "DynamicQuantizeLinear":
                c.Set(0, DataTypes.UInt8, c.Shape(0));
                c.Set(1, DataTypes.Float, []);
                c.Set(2, DataTypes.UInt8, []);
                break;
            case "Flatten": Flatten(c); break;
            case "Reshape": Reshape(c); break;
            case "Transpose": Transpose(c); break;
            case "Concat": Concat(c); break;
            case "Split": Split(c); break;
            case "Slice": Slice(c); break;
            case "Gather": Gather(c); break;
            case "GatherElements": c.Set(0, c.Type(0), c.Shape(1)); break;
            case "Squeeze": Squeeze(c); break;
            case "Unsqueeze": Unsqueeze(c); break;
            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2"
                or "ReduceLogSum" or "ReduceLogSumExp" or "ReduceSumSquare":
                Reduce(c); break;
            case "ArgMax" or "ArgMin": ArgReduce(c); break;
            case "Shape": Shape(c); break;
            case "Size":
                c.Set(0, DataTypes.Int64, []);
                if (c.In(0) is { IsFullyStatic: true } s) c.SetValues(0, [SymInt.Num(s.ElementCount)]);
                break;
            case "ConstantOfShape": ConstantOfShape(c); break;
            case "Expand": Expand(c); break;
            case "Tile": Tile(c); break;
            case "Pad": Pad(c); break;
            case "Range": Range(c); break;
            case "LSTM" or "GRU" or "RNN" or "DynamicQuantizeLSTM": Recurrent(c); break;
            case "If" or "Loop" or "Scan": ControlFlow(c); break;
        }
    }

    static void Unary(InferenceContext c)
    {
        c.Set(0, c.Type(0), c.Shape(0));
        if (c.Node.OpType == "Identity" && c.Values(0) is { } v) c.SetValues(0, v);
    }

    // ---- broadcasting -------------------------------------------------------------------

    /// <summary>Numpy broadcasting of any number of shapes; null when a rank is unknown.</summary>
    internal static Dim[]? Broadcast(IEnumerable<Dim[]?> shapes)
    {
        Dim[]? result = [];
        foreach (var s in shapes)
        {
            if (s is null || result is null) return null;
            int rank = Math.Max(result.Length, s.Length);
            var merged = new Dim[rank];
            for (int i = 0; i < rank; i++)
            {
                int ia = i - (rank - result.Length), ib = i - (rank - s.Length);
                merged[i] = ia < 0 ? s[ib] : ib < 0 ? result[ia] : BroadcastDim(result[ia], s[ib]);
            }
            result = merged;
        }
        return result;
    }

    static Dim BroadcastDim(Dim a, Dim b)
    {
        if (a.IsStatic && a.Value == 1) return b;
        if (b.IsStatic && b.Value == 1) return a;
        if (a.IsStatic) return a; // b must equal a (or be 1, handled) for the model to be valid
        if (b.IsStatic) return b;
        return a.Param is not null && a.Param == b.Param ? a : Dim.Unknown;
    }

    static void Elementwise(InferenceContext c, int outType)
    {
        var shapes = new List<Dim[]?>();
        for (int i = 0; i < c.InputCount; i++) if (c.HasInput(i)) shapes.Add(c.Shape(i));
        if (c.Node.OpType == "PRelu") shapes = [c.Shape(0)]; // slope broadcasts to X
        c.Set(0, outType, Broadcast(shapes));
        if (c.InputCount == 2 && c.Values(0) is { } a && c.Values(1) is { } b) ValueArithmetic(c, a, b);
    }

    /// <summary>Integer arithmetic on tracked values: how exporters compute shapes from shapes.</summary>
    static void ValueArithmetic(InferenceContext c, SymInt[] a, SymInt[] b)
    {
        int n = Math.Max(a.Length, b.Length);
        if (a.Length != n && a.Length != 1 || b.Length != n && b.Length != 1) return;
        var r = new SymInt[n];
        for (int i = 0; i < n; i++)
        {
            var x = a[a.Length == 1 ? 0 : i];
            var y = b[b.Length == 1 ? 0 : i];
            r[i] = c.Node.OpType switch
            {
                _ when x.IsNumber && y.IsNumber => Arith(c.Node.OpType, x.Number, y.Number),
                "Mul" when y is { IsNumber: true, Number: 1 } => x,
                "Mul" when x is { IsNumber: true, Number: 1 } => y,
                "Div" when y is { IsNumber: true, Number: 1 } => x,
                "Add" or "Sub" when y is { IsNumber: true, Number: 0 } => x,
                // A size is never negative, so a symbolic dim never equals a negative number.
                "Equal" when x.Param is not null && y is { IsNumber: true, Number: < 0 } => SymInt.Num(0),
                "Equal" when y.Param is not null && x is { IsNumber: true, Number: < 0 } => SymInt.Num(0),
                "Equal" when x.Param is not null && x.Param == y.Param => SymInt.Num(1),
                _ => SymInt.Unknown,
            };
        }
        c.SetValues(0, r);
    }

    static SymInt Arith(string op, long x, long y) => op switch
    {
        "Add" => SymInt.Num(x + y),
        "Sub" => SymInt.Num(x - y),
        "Mul" => SymInt.Num(x * y),
        "Div" when y != 0 => SymInt.Num(x / y),
        "Mod" when y != 0 => SymInt.Num(((x % y) + y) % y),
        "Max" => SymInt.Num(Math.Max(x, y)),
        "Min" => SymInt.Num(Math.Min(x, y)),
        "Equal" => SymInt.Num(x == y ? 1 : 0),
        "Less" => SymInt.Num(x < y ? 1 : 0),
        "Greater" => SymInt.Num(x > y ? 1 : 0),
        _ => SymInt.Unknown,
    };

    static void Where(InferenceContext c)
    {
        c.Set(0, c.Type(1), Broadcast([c.Shape(0), c.Shape(1), c.Shape(2)]));
        if (c.Values(0) is { } cond && c.Values(1) is { } x && c.Values(2) is { } y)
        {
            int n = Math.Max(cond.Length, Math.Max(x.Length, y.Length));
            var r = new SymInt[n];
            for (int i = 0; i < n; i++)
            {
                var k = cond[cond.Length == 1 ? 0 : i];
                r[i] = !k.IsNumber ? SymInt.Unknown : k.Number != 0 ? x[x.Length == 1 ? 0 : i] : y[y.Length == 1 ? 0 : i];
            }
            c.SetValues(0, r);
        }
    }

    static void LayerNorm(InferenceContext c)
    {
        c.Set(0, c.Type(0), c.Shape(0));
        if (c.Shape(0) is not { } s) return;
        long axis = NormAxis(c.Int("axis", -1), s.Length);
        var stats = new Dim[s.Length];
        for (int i = 0; i < s.Length; i++) stats[i] = i < axis ? s[i] : Dim.Of(1);
        int statType = (int)c.Int("stash_type", DataTypes.Float);
        c.Set(1, statType, stats);
        c.Set(2, statType, stats);
    }

    static void BatchNorm(InferenceContext c)
    {
        c.Set(0, c.Type(0), c.Shape(0));
        // Training-mode outputs: running mean and variance, one value per channel.
        var channel = c.Shape(1);
        for (int o = 1; o < c.OutputCount; o++) c.Set(o, c.Type(1), channel);
    }

    static void Constant(InferenceContext c)
    {
        var n = c.Node;
        if (n.Attr("value") is { T: { } t }) { c.SetConstant(0, t); return; }
        if (n.Attr("value_float") is { } f) c.SetConstant(0, Tensors.Scalar("", f.F));
        else if (n.Attr("value_floats") is { } fs) c.SetConstant(0, Tensors.FromFloats("", [fs.Floats.Count], fs.Floats.ToArray()));
        else if (n.Attr("value_int") is { } i) c.SetConstant(0, Tensors.FromInt64s("", [], [i.I]));
        else if (n.Attr("value_ints") is { } ins) c.SetConstant(0, Tensors.FromInt64s("", [ins.Ints.Count], ins.Ints.ToArray()));
        else if (n.Attr("value_string") is not null) c.Set(0, (int)Onnx.Proto.TensorProto.Types.DataType.String, []);
        else if (n.Attr("value_strings") is { } ss) c.Set(0, (int)Onnx.Proto.TensorProto.Types.DataType.String, [Dim.Of(ss.Strings.Count)]);
    }

    static void Quantize(InferenceContext c)
    {
        int type = c.HasInput(2) ? c.Type(2) : (int)c.Int("output_dtype", 0);
        c.Set(0, type == 0 ? DataTypes.UInt8 : type, c.Shape(0));
    }

    internal static long NormAxis(long axis, int rank) => axis < 0 ? axis + rank : axis;
}
