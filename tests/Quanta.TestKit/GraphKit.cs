using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.TestModels;

/// <summary>
/// The one builder for test and bench models, written the way exporters write them: named nodes and
/// seeded initializers appended to one graph, inputs of any element type with symbolic ("batch") or
/// fixed dimensions, each call returning the output tensor's name so layers read like the math.
/// </summary>
public sealed class GraphKit(string name, int seed)
{
    public GraphProto Graph { get; } = new() { Name = name };
    readonly Random _random = new(seed);
    int _count;

    public string Fresh(string hint) => $"{hint}_{_count++}";

    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => Node(op, op.ToLowerInvariant(), inputs, attributes);

    public string Node(string op, string hint, string[] inputs, params AttributeProto[] attributes) =>
        Named(op, Fresh(hint), inputs, attributes);

    /// <summary>A node writing exactly <paramref name="output"/> (a graph output's name, say).</summary>
    public string Named(string op, string output, string[] inputs, params AttributeProto[] attributes)
    {
        Graph.Node.Add(MakeNode(op, "/" + output, inputs, [output], attributes));
        return output;
    }

    /// <summary>A node not yet in any graph, with any number of outputs (control flow, rewrites of a graph in place).</summary>
    public static NodeProto MakeNode(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    public string Constant(string hint, long[] dims, float[] values)
    {
        string n = Fresh(hint);
        Graph.Initializer.Add(Tensors.FromFloats(n, dims, values));
        return n;
    }

    public string Int64s(string hint, params long[] values)
    {
        string n = Fresh(hint);
        Graph.Initializer.Add(Tensors.FromInt64s(n, [values.Length], values));
        return n;
    }

    public string Int64Scalar(string hint, long value)
    {
        string n = Fresh(hint);
        Graph.Initializer.Add(Tensors.FromInt64s(n, [], [value]));
        return n;
    }

    public string Scalar(string hint, float value) => Constant(hint, [], [value]);

    /// <summary>Gaussian values with standard deviation <paramref name="std"/> (Box–Muller, seeded).</summary>
    public float[] Normal(int count, double std)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1 - _random.NextDouble(), u2 = _random.NextDouble();
            v[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return v;
    }

    public double Uniform() => _random.NextDouble();

    /// <summary>A float weight scaled like a trained one (He: std √(2/fanIn)).</summary>
    public string Weight(string hint, long[] dims, double fanIn)
    {
        long n = 1;
        foreach (var d in dims) n *= d;
        return Constant(hint, dims, Normal((int)n, Math.Sqrt(2.0 / fanIn)));
    }

    public string Zeros(string hint, long count) => Constant(hint, [count], new float[count]);

    /// <summary>A Linear layer as exporters write it: MatMul with W [in, out] (std 0.8/√in, like trained weights) then Add bias.</summary>
    public string Linear(string x, int inputs, int outputs, string hint)
    {
        string w = Constant(hint + "_weight", [inputs, outputs], Normal(inputs * outputs, 0.8 / Math.Sqrt(inputs)));
        string b = Constant(hint + "_bias", [outputs], Normal(outputs, 0.02));
        return Node("Add", hint + "_out", [Node("MatMul", hint + "_matmul", [x, w]), b]);
    }

    public string LayerNorm(string x, int width, string hint)
    {
        var gamma = Normal(width, 0.05);
        for (int i = 0; i < width; i++) gamma[i] += 1f;
        return Node("LayerNormalization", hint, [x, Constant(hint + "_gamma", [width], gamma), Constant(hint + "_beta", [width], Normal(width, 0.02))],
            Attr.Int("axis", -1), Attr.Float("epsilon", 1e-12f));
    }

    /// <summary>GELU as exporters spell it out: 0.5·x·(1 + erf(x/√2)).</summary>
    public string Gelu(string x, string hint)
    {
        string erf = Node("Erf", hint + "_erf", [Node("Div", hint + "_div", [x, Scalar(hint + "_sqrt2", MathF.Sqrt(2))])]);
        string plus = Node("Add", hint + "_plus1", [erf, Scalar(hint + "_one", 1f)]);
        return Node("Mul", hint + "_half", [Node("Mul", hint + "_mul", [x, plus]), Scalar(hint + "_half", 0.5f)]);
    }

    public string Input(string name, int elemType, params object[] dims)
    {
        Graph.Input.Add(Value(name, elemType, dims));
        return name;
    }

    public void Output(string name, int elemType, params object[] dims) => Graph.Output.Add(Value(name, elemType, dims));

    public Model Build(int opset = 17) => Build(Graph.Name, opset);

    public Model Build(string source, int opset = 17)
    {
        var proto = new ModelProto { IrVersion = 8, Graph = Graph, ProducerName = "quanta-tests" };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return new Model(proto, source);
    }

    /// <summary>Dims are numbers (fixed) or strings (symbolic, e.g. "batch").</summary>
    static ValueInfoProto Value(string name, int elemType, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } } };
    }

    public static class Attr
    {
        public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
        public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };
        public static AttributeProto Ints(string name, params long[] v)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(v);
            return a;
        }
    }
}
