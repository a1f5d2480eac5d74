using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Runtime;
using static Quanta.Tests.Normalize.NormalizeKit;

namespace Quanta.Tests.Normalize;

/// <summary>Operator rewrites of <see cref="UpgradeOpset"/> that the reference models do not reach.</summary>
public class UpgradeOpsetTests
{
    /// <summary>input [N,1,28,28] → Softmax(axis=1) at opset 11: a softmax over each image's 784 pixels.</summary>
    static Model SoftmaxOverImage()
    {
        var g = new GraphProto { Name = "softmax" };
        g.Input.Add(FloatInput("input", -1, 1, 28, 28));
        g.Output.Add(new ValueInfoProto { Name = "probs" });
        var n = new NodeProto { OpType = "Softmax", Name = "softmax" };
        n.Input.Add("input");
        n.Output.Add("probs");
        n.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        g.Node.Add(n);
        var proto = new ModelProto { IrVersion = 6, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 11 });
        return new Model(proto, "softmax-test");
    }

    static ValueInfoProto FloatInput(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Float, Shape = shape } } };
    }

    static float[] Run(Model m)
    {
        using var runner = new ModelRunner(m, new RuntimeOptions(Threads: 1));
        return runner.Run(Input, Shape).Single().Values;
    }

    [Fact]
    public void Softmax_over_a_non_last_axis_keeps_its_opset_11_meaning()
    {
        var old = SoftmaxOverImage();
        var model = old.Clone();
        Assert.Equal(1, new UpgradeOpset().Apply(model));
        Assert.Equal(13, model.Opset(""));
        Assert.Equal(["Flatten", "Shape", "Softmax", "Reshape"], model.Graph.Nodes.Select(n => n.OpType).OrderBy(o => o == "Reshape").ThenBy(o => o == "Softmax").ToArray());
        AssertValid(model);

        float[] after = Run(model);
        AssertClose(Run(old), after, 1e-7f);
        // Each image's 784 probabilities sum to one (a per-row softmax over axis 1 alone would give 28·28 sums of one).
        for (int i = 0; i < Images; i++) Assert.Equal(1f, after.Skip(i * 784).Take(784).Sum(), 3);
    }

    [Fact]
    public void Rejects_opsets_older_than_7()
    {
        var model = SoftmaxOverImage();
        model.SetOpset("", 6);
        var e = Assert.Throws<QuantaException>(() => new UpgradeOpset().Apply(model));
        Assert.Equal(FailureKind.BadInput, e.Kind);
    }

    [Fact]
    public void Lists_ops_it_does_not_know()
    {
        var model = SoftmaxOverImage();
        model.Graph.Nodes[0].OpType = "MysteryOp";
        var pass = new UpgradeOpset();
        pass.Apply(model);
        Assert.Equal(["MysteryOp"], pass.Unsupported);
    }

    [Fact]
    public void Hard_swish_as_x_times_hard_sigmoid_fuses_too()
    {
        var pattern = ExportVariants.HardSwishForRelu(Load("fmnist_cnn.onnx"));
        var model = pattern.Clone();
        // The x·(Clip(x+3,0,6)/6) spelling becomes x·HardSigmoid(x) first; that form fuses as well.
        Assert.Equal(1, new FuseHardSigmoid().Apply(model));
        Assert.Equal(4, new FuseHardSwish().Apply(model));
        Assert.Equal(0, Count(model, "HardSigmoid"));
        AssertClose(Logits(pattern), Logits(model), 1e-5f);
    }
}
