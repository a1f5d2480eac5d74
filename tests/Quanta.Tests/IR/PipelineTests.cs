using Quanta.IR;
using Quanta.IR.Passes;

namespace Quanta.Tests.IR;

public class PipelineTests
{
    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx")]
    [InlineData("fmnist_resnet20.onnx")]
    [InlineData("fmnist_mobilenetv2.onnx")]
    [InlineData("fmnist_vit.onnx")]
    public void NormalizeKeepsEveryReferenceModelsOutputs(string name)
    {
        var original = IrFixtures.Load(name);
        var before = original.ToBytes();
        var normalized = PassPipeline.Run(original, PassPipeline.Normalize, out var log);

        Assert.Equal(before, original.ToBytes()); // the input is never mutated
        Assert.Equal(["LiftConstants", "ResolveSubgraphs", "RemoveIdentityAndDropout", "UpgradeOpset", "ConstantFolding", "FoldBatchNorm", "FuseLayerNorm", "FuseHardSigmoid", "FuseHardSwish", "InferShapes"], log.Select(l => l.Pass));
        Assert.DoesNotContain(normalized.Graph.Nodes, n => n.OpType is "Constant" or "Identity");
        Assert.True(normalized.Graph.Nodes.Count <= original.Graph.Nodes.Count(n => n.OpType != "Constant"));
        Assert.Equal(["logits"], normalized.Graph.Outputs.Select(o => o.Name));
        double error = IrFixtures.RelativeError(IrFixtures.Logits(original), IrFixtures.Logits(normalized));
        Assert.True(error <= 1e-5, $"relative error {error}");
    }
}
