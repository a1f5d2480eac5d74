using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.Modes;

/// <summary>One-node float models built in memory, for checks against a hand-computed reference.</summary>
static class TinyModels
{
    public static float[] Random(int count, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)(r.NextDouble() * 2 - 1) * scale;
        return v;
    }

    /// <summary><c>y = x · W</c> with x [M, K] the input and W [K, N] a constant.</summary>
    public static Model MatMul(int m, int k, int n, float[] w)
    {
        var g = new GraphProto { Name = "matmul" };
        g.Initializer.Add(Tensors.FromFloats("W", [k, n], w));
        var node = new NodeProto { OpType = "MatMul", Name = "mm" };
        node.Input.AddRange(["x", "W"]);
        node.Output.Add("y");
        g.Node.Add(node);
        g.Input.Add(Value("x", m, k));
        g.Output.Add(Value("y", m, n));
        var proto = new ModelProto { IrVersion = 8, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, "tiny-matmul");
    }

    static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Float, Shape = shape } } };
    }

    /// <summary>Row-major x [M, K] · w [K, N] in double.</summary>
    public static float[] Multiply(float[] x, float[] w, int m, int k, int n)
    {
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)x[i * k + p] * w[p * n + j];
                y[i * n + j] = (float)s;
            }
        return y;
    }
}
