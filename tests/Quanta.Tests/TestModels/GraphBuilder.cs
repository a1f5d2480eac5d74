using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.TestModels;

/// <summary>
/// A few lines per node for building test models the way exporters write them: named inputs of
/// any element type and symbolic or fixed dimensions, seeded weights scaled like trained ones.
/// </summary>
sealed class GraphBuilder(string name, int opset = 17)
{
    readonly GraphProto _g = new() { Name = name };
    readonly Random _random = new(name.GetHashCode(StringComparison.Ordinal) & 0x7fffffff);
    int _count;

    /// <summary>An input; a string dimension is symbolic ("batch"), a number fixed.</summary>
    public string Input(string input, int elemType, params object[] dims)
    {
        _g.Input.Add(Value(input, elemType, dims));
        return input;
    }

    public void Output(string output, int elemType, params object[] dims) => _g.Output.Add(Value(output, elemType, dims));

    /// <summary>A float weight with He-style scale (√(2/fanIn)), seeded by the graph name.</summary>
    public string Weight(string weight, long[] dims, double fanIn)
    {
        long n = 1;
        foreach (var d in dims) n *= d;
        var v = new float[n];
        double scale = Math.Sqrt(2.0 / fanIn);
        for (long i = 0; i < n; i++) v[i] = (float)(Gaussian() * scale);
        _g.Initializer.Add(Tensors.FromFloats(weight, dims, v));
        return weight;
    }

    public string Constant(string constant, long[] dims, float[] values)
    {
        _g.Initializer.Add(Tensors.FromFloats(constant, dims, values));
        return constant;
    }

    public string Int64s(string constant, params long[] values)
    {
        _g.Initializer.Add(Tensors.FromInt64s(constant, [values.Length], values));
        return constant;
    }

    public string Node(string opType, string[] inputs, params (string Name, object Value)[] attributes) => Node(opType, inputs, $"{opType.ToLowerInvariant()}{++_count}", attributes);

    public string Node(string opType, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"/{output}/{opType}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (n, v) in attributes) node.Attribute.Add(Attribute(n, v));
        _g.Node.Add(node);
        return output;
    }

    public Model Build()
    {
        var proto = new ModelProto { IrVersion = 8, ProducerName = "quanta-tests", Graph = _g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return new Model(proto, name);
    }

    static AttributeProto Attribute(string name, object value) => value switch
    {
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        long[] ls => Ints(name, ls),
        _ => throw new ArgumentException($"attribute {name}: {value.GetType().Name}"),
    };

    static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    static ValueInfoProto Value(string name, int elemType, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } } };
    }

    double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
