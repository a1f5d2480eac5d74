using Quanta.IR;
using Quanta.IR.Normalize;
using static Quanta.Tests.Normalize.NormalizeKit;

namespace Quanta.Tests.Normalize;

/// <summary>Real-export variants of the reference models normalize back to the clean form, outputs unchanged.</summary>
public class NormalizeTests
{
    [SharedModelsFact]
    public void Vit_at_opset_11_upgrades_and_fuses_layernorm_back()
    {
        var original = Load("fmnist_vit.onnx");
        var model = ExportVariants.RealWorld(original);

        var upgrade = new UpgradeOpset();
        Assert.True(upgrade.Apply(model) > 0);
        Assert.Empty(upgrade.Unsupported);
        Assert.Equal(13, model.Opset(""));
        LiftConstants(model);
        int fused = new FuseLayerNorm().Apply(model);

        int expected = Count(original, "LayerNormalization");
        Assert.Equal(expected, fused);
        Assert.Equal(expected, Count(model, "LayerNormalization"));
        Assert.Equal(0, Count(model, "ReduceMean"));
        Assert.Equal(0, Count(model, "Pow"));
        Assert.True(model.Opset("") >= 17);
        // The fused-away ε and exponent constants go with the chain.
        Assert.DoesNotContain(model.Graph.Initializers, t => t.Name.Contains("/eps") || t.Name.Contains("/two"));
        AssertValid(model);
        AssertClose(Logits(original), Logits(model), 1e-4f);
    }

    [SharedModelsFact]
    public void Layernorm_fusion_leaves_an_opset_11_graph_alone_when_relabelling_would_change_it()
    {
        var model = ExportVariants.RealWorld(Load("fmnist_vit.onnx"));   // Squeeze/Unsqueeze with axes attributes
        Assert.Equal(0, new FuseLayerNorm().Apply(model));
        Assert.Equal(11, model.Opset(""));
        Assert.Equal(0, Count(model, "LayerNormalization"));
    }

    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx")]
    [InlineData("fmnist_resnet20.onnx")]
    [InlineData("fmnist_mobilenetv2.onnx")]
    public void Cnn_variants_at_opset_11_upgrade_to_13(string name)
    {
        var original = Load(name);
        var variant = ExportVariants.RealWorld(original);
        var model = variant.Clone();

        var upgrade = new UpgradeOpset();
        Assert.Equal(1, upgrade.Apply(model));   // the Unsqueeze of the dynamic reshape
        Assert.Empty(upgrade.Unsupported);
        Assert.Equal(11, upgrade.FromOpset);
        Assert.Equal(13, model.Opset(""));
        Assert.Equal(2, model.Graph.Nodes.Single(n => n.OpType == "Unsqueeze").Input.Count);
        AssertValid(model);
        AssertClose(Logits(variant), Logits(model), 1e-5f);
        AssertClose(Logits(original), Logits(model), 1e-4f);
    }

    [SharedModelsFact]
    public void Upgrade_does_nothing_at_opset_13_or_later()
    {
        var model = Load("fmnist_mobilenetv2.onnx");
        Assert.Equal(0, new UpgradeOpset().Apply(model));
        Assert.Equal(17, model.Opset(""));
    }

    [Fact]
    public void Hard_swish_written_out_fuses_to_HardSwish()
    {
        var cnn = Load("fmnist_cnn.onnx");
        int relus = Count(cnn, "Relu");
        var pattern = ExportVariants.HardSwishForRelu(cnn);
        var model = pattern.Clone();

        Assert.Equal(relus, new FuseHardSwish().Apply(model));
        Assert.Equal(relus, Count(model, "HardSwish"));
        Assert.Equal(0, Count(model, "Clip"));
        Assert.Equal(0, Count(model, "Div"));
        Assert.Equal(17, model.Opset(""));
        AssertValid(model);
        AssertClose(Logits(pattern), Logits(model), 1e-5f);
    }

    [Fact]
    public void Hard_swish_with_clip_attributes_at_opset_10_needs_the_upgrade_first()
    {
        var pattern = ExportVariants.HardSwishForRelu(Load("fmnist_cnn.onnx"), clipAttributes: true);
        var model = pattern.Clone();
        int relus = Count(Load("fmnist_cnn.onnx"), "Relu");

        Assert.Equal(0, new FuseHardSwish().Apply(model));   // Clip-6 blocks relabelling to 14
        Assert.Equal(relus, new UpgradeOpset().Apply(model));
        Assert.Equal(relus, new FuseHardSwish().Apply(model));
        Assert.Equal(14, model.Opset(""));
        AssertValid(model);
        AssertClose(Logits(pattern), Logits(model), 1e-5f);
    }

    [Fact]
    public void Hard_sigmoid_written_out_fuses_to_HardSigmoid_and_then_hard_swish_of_it()
    {
        var cnn = Load("fmnist_cnn.onnx");
        int relus = Count(cnn, "Relu");
        var pattern = ExportVariants.HardSigmoidForRelu(cnn);
        var model = pattern.Clone();

        Assert.Equal(relus, new FuseHardSigmoid().Apply(model));
        Assert.Equal(relus, Count(model, "HardSigmoid"));
        Assert.Equal(0, Count(model, "Clip"));
        Assert.Equal(17, model.Opset(""));
        AssertValid(model);
        AssertClose(Logits(pattern), Logits(model), 1e-5f);
        Assert.Equal(0, new FuseHardSwish().Apply(model));   // no x·HardSigmoid(x) here
    }
}
