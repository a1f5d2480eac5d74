using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.IR;

/// <summary>A Mul of a Conv's output by a constant (UltraFace's RFB branch scale) folds into the Conv like a BatchNorm.</summary>
public class FoldConvScaleTests
{
    [Theory]
    [InlineData(false)] // a scalar
    [InlineData(true)]  // one value per output channel, [1, C, 1, 1]
    public void MulByAConstantAfterAConvFoldsIntoItsWeights(bool perChannel)
    {
        var original = IrFixtures.Load("fmnist_cnn.onnx");
        var expected = IrFixtures.Logits(original);
        var model = original.Clone();
        var g = model.Graph;
        // Divide the first Conv's weights and bias by s and multiply its output by s: the same function.
        var conv = g.Nodes.First(n => n.OpType == "Conv");
        var w = g.Initializer(conv.Input[1])!;
        int channels = (int)w.Dims[0];
        var s = Enumerable.Range(0, channels).Select(c => perChannel ? 0.5f + 0.1f * c : 0.25f).ToArray();
        var wv = Tensors.ToFloats(w);
        long inner = wv.Length / channels;
        for (int c = 0; c < channels; c++) for (long j = 0; j < inner; j++) wv[c * inner + j] /= s[c];
        var bias = Tensors.ToFloats(g.Initializer(conv.Input[2])!).Select((b, c) => b / s[c]).ToArray();
        g.AddInitializer(Tensors.FromFloats("w_over_s", w.Dims.ToArray(), wv));
        g.AddInitializer(Tensors.FromFloats("b_over_s", [channels], bias));
        g.AddInitializer(perChannel ? Tensors.FromFloats("s", [1, channels, 1, 1], s) : Tensors.FromFloats("s", [], [s[0]]));
        string output = conv.Output[0];
        conv.Input[1] = "w_over_s";
        conv.Input[2] = "b_over_s";
        conv.Output[0] = "unscaled";
        g.AddNode(new NodeProto { OpType = "Mul", Name = "scale", Input = { "s", "unscaled" }, Output = { output } });
        g.Changed();
        g.SortTopologically();
        Assert.True(IrFixtures.RelativeError(expected, IrFixtures.Logits(model)) < 1e-4);

        var folded = PassPipeline.Run(model, [new FoldBatchNorm()], out var log);
        Assert.Equal(1, log.Single().Rewrites);
        Assert.DoesNotContain(folded.Graph.Nodes, n => n.OpType == "Mul");
        Assert.Equal(original.Graph.Nodes.Count, folded.Graph.Nodes.Count);
        double error = IrFixtures.RelativeError(expected, IrFixtures.Logits(folded));
        Assert.True(error <= 1e-4, $"relative error {error}");
    }

    [Fact]
    public void MulByAConstantAlongAnotherAxisStays()
    {
        var model = IrFixtures.Load("fmnist_cnn.onnx");
        var g = model.Graph;
        var conv = g.Nodes.First(n => n.OpType == "Conv");
        int channels = (int)g.Initializer(conv.Input[1])!.Dims[0];
        // [C] broadcasts along the last (width) axis, not the channels: not a per-channel scale.
        g.AddInitializer(Tensors.FromFloats("s", [28], Enumerable.Repeat(0.5f, 28).ToArray()));
        string output = conv.Output[0];
        conv.Output[0] = "unscaled";
        g.AddNode(new NodeProto { OpType = "Mul", Name = "scale", Input = { "unscaled", "s" }, Output = { output } });
        g.Changed();
        g.SortTopologically();
        Assert.NotEqual(28, channels);
        PassPipeline.Run(model, [new FoldBatchNorm()], out var log);
        Assert.Equal(0, log.Single().Rewrites);
    }
}
