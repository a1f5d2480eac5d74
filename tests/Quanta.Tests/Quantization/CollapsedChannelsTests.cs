using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;

namespace Quanta.Tests.Quantization;

public class CollapsedChannelsTests
{
    // Four output channels of two values each: a wide one, two tiny ones and one constant (pruned) one.
    static readonly float[] Weights = [1.0f, -0.7f, 0.01f, -0.02f, 0.03f, 0.05f, 0f, 0f];

    static (Graph, QuantPlan) Plan(bool perChannel, QuantType type)
    {
        var graph = new Graph(new GraphProto());
        graph.AddInitializer(Tensors.FromFloats("w", [4, 2, 1, 1], Weights));
        var plan = new QuantPlan();
        var spec = new QuantSpec(type, Symmetric: true);
        plan.Add(new TensorPlan("w", TensorRole.Weight, spec, perChannel ? 0 : null, ChannelAxis: 0));
        plan.SetParams("w", perChannel ? QuantMath.PerChannel(Weights, [4, 2, 1, 1], 0, spec) : QuantMath.PerTensor(Weights, spec));
        return (graph, plan);
    }

    [Fact]
    public void PerTensorLowBitWeightsFlattenSmallChannels()
    {
        var (graph, plan) = Plan(perChannel: false, QuantType.Int4);
        // int4 symmetric: step 1/7; |0.05| < step/2 rounds to zero, so channels 1 and 2 become constant.
        var found = Assert.Single(CollapsedChannels.Find(graph, plan));
        Assert.Equal(new CollapsedWeight("w", 2, 4), found);
    }

    [Fact]
    public void EightBitsOrPerChannelScalesKeepEveryChannel()
    {
        var (graph, plan) = Plan(perChannel: true, QuantType.Int4);
        Assert.Empty(CollapsedChannels.Find(graph, plan));
        (graph, plan) = Plan(perChannel: false, QuantType.Int8);
        Assert.Empty(CollapsedChannels.Find(graph, plan)); // step 1/127: 0.01 and 0.02 still differ, 0.03 and 0.05 too
    }
}

public class CollapsedChannelsOnMobileNetTests
{
    [SharedModelsFact]
    public void PerTensorInt4NamesTheDepthwiseLayerThatBreaksMobileNetV2()
    {
        var model = Model.Load(TestData.Model("fmnist_mobilenetv2.onnx"));
        var perTensor = Quantize.Run(model, new QuantRecipe { WeightType = QuantType.Int4, PerChannel = false }, calibCount: 32);
        // The first depthwise convolution: most of its 32 channels are far narrower than its widest one.
        var worst = perTensor.CollapsedWeights[0];
        Assert.True(worst.Collapsed >= worst.Channels / 2, $"{worst.Tensor}: {worst.Collapsed} of {worst.Channels}");
        var warning = Assert.Single(QuantizeAdvice.For(perTensor));
        Assert.Contains(worst.Tensor, warning);
        Assert.Contains("per-channel weights keep them", warning);
        Assert.Empty(Quantize.Run(model, new QuantRecipe { WeightType = QuantType.Int4 }, calibCount: 32).CollapsedWeights);
    }
}
