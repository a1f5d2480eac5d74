using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.IR;

public class ConstantFoldingTests
{
    [SharedModelsFact]
    public void NormalizeLiftsAndFoldsAVitWhoseWeightsAreConstantNodes()
    {
        var original = IrFixtures.Load("fmnist_vit.onnx");
        var expected = IrFixtures.Logits(original);
        var model = original.Clone();
        var g = model.Graph;

        // A weight computed by a constant subgraph: W = (W/4 + W/4) · 2 (exact in float).
        var matmul = g.Nodes.First(n => n.OpType == "MatMul" && g.IsInitializer(n.Input[1]));
        var w = g.Initializer(matmul.Input[1])!;
        var quarter = Tensors.ToFloats(w);
        for (int i = 0; i < quarter.Length; i++) quarter[i] *= 0.25f;
        g.AddInitializer(Tensors.FromFloats("w_quarter", w.Dims.ToArray(), quarter));
        g.Nodes.Insert(0, new NodeProto { OpType = "Add", Input = { "w_quarter", "w_quarter" }, Output = { "w_half" } });
        g.Nodes.Insert(1, new NodeProto { OpType = "Mul", Input = { "w_half", "two" }, Output = { "w_computed" } });
        g.Nodes.Insert(0, new NodeProto { OpType = "Constant", Output = { "two" }, Attribute = { new AttributeProto { Name = "value_float", F = 2f, Type = AttributeProto.Types.AttributeType.Float } } });
        matmul.Input[1] = "w_computed";
        g.Changed();

        // Every initializer becomes a Constant node, in each of the attribute forms; the exporter's
        // own integer Constants are rewritten to the value_int(s) forms.
        var forms = new Dictionary<string, int>();
        foreach (var c in g.Nodes.Where(n => n.OpType == "Constant" && n.Attribute[0].T is { DataType: DataTypes.Int64 }).ToList())
        {
            var replacement = ConstantNode(c.Attribute[0].T, out var form);
            replacement.Output[0] = c.Output[0];
            c.Attribute.Clear();
            c.Attribute.Add(replacement.Attribute[0]);
            forms[form] = forms.GetValueOrDefault(form) + 1;
        }
        foreach (var t in g.Initializers.ToList())
        {
            g.RemoveInitializer(t.Name);
            var node = ConstantNode(t, out var form);
            forms[form] = forms.GetValueOrDefault(form) + 1;
            g.Nodes.Insert(0, node);
        }
        g.Changed();
        Assert.Empty(g.Initializers);
        Assert.True(forms.Count >= 4, string.Join(", ", forms.Keys)); // value, value_float(s), value_int(s)
        int constified = g.Nodes.Count;
        Assert.True(IrFixtures.RelativeError(expected, IrFixtures.Logits(model)) < 1e-6); // sanity

        var normalized = PassPipeline.Run(model, PassPipeline.Normalize, out var log);
        var rewrites = log.ToDictionary(l => l.Pass, l => l.Rewrites);
        Assert.True(rewrites["LiftConstants"] >= forms.Values.Sum());
        Assert.True(rewrites["ConstantFolding"] >= 2);
        Assert.DoesNotContain(normalized.Graph.Nodes, n => n.OpType == "Constant");
        Assert.DoesNotContain(normalized.Graph.Nodes, n => n.Output.Contains("w_computed") || n.Output.Contains("w_half"));
        Assert.NotNull(normalized.Graph.Initializer("w_computed"));
        Assert.Null(normalized.Graph.Initializer("w_quarter")); // its only reader was folded
        int originalComputeNodes = original.Graph.Nodes.Count(n => n.OpType != "Constant");
        Assert.True(normalized.Graph.Nodes.Count < constified);
        Assert.True(normalized.Graph.Nodes.Count <= originalComputeNodes, $"{normalized.Graph.Nodes.Count} nodes after, {originalComputeNodes} computing nodes before");

        double error = IrFixtures.RelativeError(expected, IrFixtures.Logits(normalized));
        Assert.True(error <= 1e-5, $"relative error {error}");
    }

    [Fact]
    public void FoldsShapesOfStaticTensorsButNotOfTheBatch()
    {
        // x [N,4] → Shape → Gather(1) → static 4; Shape(x) itself depends on N and must stay.
        var graph = new GraphProto { Name = "shapes" };
        var x = ExternalDataTests.Float("x", 1, 4);
        x.Type.TensorType.Shape.Dim[0].DimParam = "N";
        graph.Input.Add(x);
        graph.Output.Add(new ValueInfoProto { Name = "y" });
        graph.Initializer.Add(Tensors.FromInt64s("one", [], [1]));
        graph.Initializer.Add(Tensors.FromInt64s("zero", [1], [0]));
        graph.Initializer.Add(Tensors.FromInt64s("minus1", [1], [-1]));
        graph.Node.Add(new NodeProto { OpType = "Shape", Input = { "x" }, Output = { "s" } });
        graph.Node.Add(new NodeProto { OpType = "Gather", Input = { "s", "one" }, Output = { "c" } });
        graph.Node.Add(new NodeProto { OpType = "Unsqueeze", Input = { "c", "zero" }, Output = { "c1" } });
        graph.Node.Add(new NodeProto { OpType = "Concat", Input = { "minus1", "c1" }, Output = { "shape" }, Attribute = { new AttributeProto { Name = "axis", I = 0, Type = AttributeProto.Types.AttributeType.Int } } });
        graph.Node.Add(new NodeProto { OpType = "Reshape", Input = { "x", "shape" }, Output = { "r" } });
        graph.Node.Add(new NodeProto { OpType = "Relu", Input = { "r" }, Output = { "y" } });
        var model = new Model(new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 17 } } }, "shapes");

        var folded = PassPipeline.Run(model, [new ConstantFolding()], out var log);
        Assert.Equal(["Reshape", "Relu"], folded.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(new long[] { -1, 4 }, Tensors.ToInt64s(folded.Graph.Initializer("shape")!));
        Assert.Equal(4, log.Single().Rewrites); // Gather, Unsqueeze, Concat folded; Shape then dead

        var data = new float[] { -1, 2, -3, 4, 5, -6, 7, -8 };
        using var runner = new Quanta.Runtime.ModelRunner(folded);
        var y = runner.Run(data, [2, 4]).Single();
        Assert.Equal(new long[] { 2, 4 }, y.Shape);
        Assert.Equal(new float[] { 0, 2, 0, 4, 5, 0, 7, 0 }, y.Values);
    }

    static NodeProto ConstantNode(TensorProto t, out string form)
    {
        var node = new NodeProto { OpType = "Constant", Output = { t.Name } };
        var attr = new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor };
        if (t.DataType == DataTypes.Int64 && t.Dims.Count == 1)
        {
            attr = new AttributeProto { Name = "value_ints", Type = AttributeProto.Types.AttributeType.Ints };
            attr.Ints.AddRange(Tensors.ToInt64s(t));
        }
        else if (t.DataType == DataTypes.Int64 && t.Dims.Count == 0)
            attr = new AttributeProto { Name = "value_int", I = Tensors.ToInt64s(t)[0], Type = AttributeProto.Types.AttributeType.Int };
        else if (t.DataType == DataTypes.Float && t.Dims.Count == 0)
            attr = new AttributeProto { Name = "value_float", F = Tensors.ToFloats(t)[0], Type = AttributeProto.Types.AttributeType.Float };
        else if (t.DataType == DataTypes.Float && t.Dims.Count == 1 && t.Dims[0] <= 16)
        {
            attr = new AttributeProto { Name = "value_floats", Type = AttributeProto.Types.AttributeType.Floats };
            attr.Floats.AddRange(Tensors.ToFloats(t));
        }
        else attr.T = t.Clone();
        form = attr.Name;
        node.Attribute.Add(attr);
        return node;
    }
}
