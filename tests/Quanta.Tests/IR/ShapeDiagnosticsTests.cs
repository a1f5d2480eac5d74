using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx.Proto;
using Quanta.Tests.Modes;
using Quanta.Tests.Normalize;

namespace Quanta.Tests.IR;

/// <summary>No shape rule throws on the models we know; one that does is recorded, naming the node.</summary>
public class ShapeDiagnosticsTests
{
    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx")]
    [InlineData("fmnist_resnet20.onnx")]
    [InlineData("fmnist_mobilenetv2.onnx")]
    [InlineData("fmnist_vit.onnx")]
    public void EveryRuleRunsOnTheReferenceModelsAndTheirRealWorldExports(string name)
    {
        var model = IrFixtures.Load(name);
        var variant = ExportVariants.RealWorld(model);
        Assert.Empty(ShapeInference.Diagnose(model));
        Assert.Empty(ShapeInference.Diagnose(variant));
        // And on what quantization actually sees: the normalized graph.
        Assert.Empty(ShapeInference.Diagnose(PassPipeline.Run(variant, PassPipeline.Normalize, out _)));
    }

    [Fact]
    public void AFailingRuleIsRecordedAndInferenceGoesOn()
    {
        var model = TinyModels.MatMul(2, 3, 4, TinyModels.Random(12, seed: 1));
        var transpose = new NodeProto { OpType = "Transpose", Name = "bad_perm" };
        transpose.Input.Add("y");
        transpose.Output.Add("t");
        var perm = new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints };
        perm.Ints.Add([0, 7]);
        transpose.Attribute.Add(perm);
        model.Graph.AddNode(transpose);
        var relu = new NodeProto { OpType = "Relu", Name = "after" };
        relu.Input.Add("y");
        relu.Output.Add("r");
        model.Graph.AddNode(relu);

        var failure = Assert.Single(ShapeInference.Diagnose(model));
        Assert.Equal("bad_perm", failure.Node);
        Assert.Equal("Transpose", failure.OpType);
        var types = ShapeInference.Analyze(model);
        Assert.Equal([2, 4], types["r"].Shape!.Select(d => d.Value));
    }
}
