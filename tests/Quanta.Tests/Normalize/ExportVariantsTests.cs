using Quanta.IR;
using static Quanta.Tests.Normalize.NormalizeKit;

namespace Quanta.Tests.Normalize;

/// <summary>The generated "real export" models are valid and compute what the originals do.</summary>
public class ExportVariantsTests
{
    [SharedModelsFact]
    public void Vit_real_world_variant_is_opset_11_with_constant_nodes_and_decomposed_layernorm()
    {
        var original = Load("fmnist_vit.onnx");
        var variant = ExportVariants.RealWorld(original);

        Assert.Equal(11, variant.Opset(""));
        Assert.Empty(variant.Graph.Initializers);
        Assert.Equal(0, Count(variant, "LayerNormalization"));
        Assert.Equal(2 * Count(original, "LayerNormalization") + 0, Count(variant, "ReduceMean"));
        Assert.Equal(1, Count(variant, "BatchNormalization"));
        AssertValid(variant);
        AssertClose(Logits(original), Logits(variant), 1e-4f);
    }

    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx", 3)]
    [InlineData("fmnist_resnet20.onnx", 21)]
    [InlineData("fmnist_mobilenetv2.onnx", 52)]
    public void Cnn_real_world_variants_unfold_batchnorm_and_keep_the_function(string name, int convs)
    {
        var original = Load(name);
        var variant = ExportVariants.RealWorld(original);

        Assert.Equal(11, variant.Opset(""));
        Assert.Equal(convs, Count(variant, "BatchNormalization"));
        Assert.Equal(0, Count(variant, "Flatten"));
        Assert.Equal(1, Count(variant, "Shape"));
        AssertValid(variant);
        AssertClose(Logits(original), Logits(variant), 1e-4f);
    }

    [SharedModelsFact]
    public void Downgrade_refuses_what_opset_11_cannot_say()
    {
        var vit = Load("fmnist_vit.onnx");
        var e = Assert.Throws<InvalidOperationException>(() => ExportVariants.DowngradeToOpset11(vit));
        Assert.Contains("LayerNormalization", e.Message);
    }
}
