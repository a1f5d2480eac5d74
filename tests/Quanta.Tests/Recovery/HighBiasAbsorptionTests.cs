using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Recovery;
using Quanta.Runtime;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Recovery;

/// <summary>
/// High-bias absorption inside cross-layer equalization, on a small MobileNet-style block
/// (1×1 expand → ReLU6 → 3×3 depthwise → ReLU6 → 1×1 project) whose depthwise channels never go
/// below a positive floor: that floor moves into the projection's bias, the float outputs stay.
/// </summary>
public class HighBiasAbsorptionTests
{
    const int Channels = 8, Inputs = 4, Size = 6;

    static Model Block()
    {
        var b = new GraphKit("high_bias_block", 13);
        string x = b.Input("x", DataTypes.Float, "batch", Inputs, Size, Size);
        string expand = b.Node("Conv", [x, b.Weight("w1", [Channels, Inputs, 1, 1], Inputs), b.Constant("b1", [Channels], Filled(Channels, i => 0.1f * i))]);
        string six = b.Constant("six", [], [6f]), zero = b.Constant("zero", [], [0f]);
        string relu6 = b.Node("Clip", [expand, zero, six]);
        // Non-negative depthwise weights and positive biases: channel i is at least its bias, whatever the input.
        var dw = Filled(Channels * 9, i => 0.05f + 0.3f * (i * 37 % 11) / 11f);
        string depthwise = b.Node("Conv", [relu6, b.Constant("w2", [Channels, 1, 3, 3], dw), b.Constant("b2", [Channels], Filled(Channels, i => 0.5f + 0.25f * i))],
            GraphKit.Attr.Int("group", Channels));
        string relu6b = b.Node("Clip", [depthwise, zero, six]);
        string project = b.Named("Conv", "y", [relu6b, b.Weight("w3", [Inputs, Channels, 1, 1], Channels), b.Constant("b3", [Inputs], new float[Inputs])]);
        b.Output(project, DataTypes.Float, "batch", Inputs, Size - 2, Size - 2);
        return b.Build();
    }

    static float[] Filled(int n, Func<int, float> f) => Enumerable.Range(0, n).Select(f).ToArray();

    static float[] Run(Model model, float[] input)
    {
        using var runner = new ModelRunner(model, new RuntimeOptions(Threads: 1));
        return runner.Run(input, [16, Inputs, Size, Size]).Single(o => o.Name == "y").Values;
    }

    [Fact]
    public void Positive_floors_move_into_the_next_bias_and_outputs_stay_within_1e5()
    {
        var model = PassPipeline.Run(Block(), PassPipeline.Normalize, out _);
        var random = new Random(7);
        // Inputs wide enough that the expand layer's ReLU6 clips at both ends.
        var input = Filled(16 * Inputs * Size * Size, _ => (float)(random.NextDouble() * 8 - 4));
        var before = Run(model, input);
        var equalized = model.Clone();
        var pass = new CrossLayerEqualization();
        Assert.Equal(2, pass.Apply(equalized));
        Assert.Equal(Channels, pass.AbsorbedChannels);
        var after = Run(equalized, input);
        float diff = before.Zip(after, (a, b) => MathF.Abs(a - b)).Max();
        Assert.True(diff <= 1e-5f, $"max |Δ| = {diff:E2}");
        // The depthwise biases lost their floor: each channel's lowest possible value is now zero.
        var g = equalized.Graph;
        var depthwise = g.Nodes.Select(n => LinearLayer.Of(g, n)).Single(l => l is { IsDepthwise: true })!;
        var min = g.Nodes.Single(n => n.OpType == "Min" && g.Producer(n.Input[0])?.Input[0] == depthwise.Node.Output[0]);
        var bounds = Tensors.ToFloats(g.Initializer(min.Input[1])!);
        var inputBound = Tensors.ToFloats(g.Initializer(g.Nodes.Single(n => n.OpType == "Min" && n != min).Input[1])!);
        var lowest = depthwise.LowestOutputs(inputBound);
        Assert.All(lowest, l => Assert.InRange(l, -1e-5f, 1e-5f));
        Assert.All(bounds, b => Assert.True(b > 0, $"bound {b}"));
    }
}
