using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Recovery;
using Quanta.Runtime;
using Quanta.Tests.Normalize;

namespace Quanta.Tests.Recovery;

/// <summary>
/// Cross-layer equalization, bias correction and AdaRound on the reference models with real
/// Fashion-MNIST images (the demo sample in the repository: 1,000 train, 2,000 test).
/// </summary>
public class RecoveryTests
{
    static IDataset Demo(string split, int count, int seed) =>
        DataSource.Open(Path.Combine(TestData.DemoDir, "fashion-mnist") + ":" + split, new DataOptions(TestData.FashionPreprocessing, count, seed));

    static Model Prepared(string name) => PassPipeline.Run(NormalizeKit.Load(name), PassPipeline.Normalize, out _);

    static Model Equalized(Model prepared) => PassPipeline.Run(prepared, [new CrossLayerEqualization(), new InferShapes()], out _);

    [SharedModelsTheory]
    [InlineData("fmnist_mobilenetv2.onnx")]
    [InlineData("fmnist_resnet20.onnx")]
    public void Equalization_keeps_float_outputs_within_1e5(string name)
    {
        var prepared = Prepared(name);
        int pairs = new CrossLayerEqualization().Apply(prepared.Clone());
        Assert.True(pairs >= 9, $"{name}: only {pairs} layer pairs equalized");
        var equalized = Equalized(prepared);
        NormalizeKit.AssertValid(equalized);
        NormalizeKit.AssertClose(NormalizeKit.Logits(prepared), NormalizeKit.Logits(equalized), 1e-5f);
    }

    [SharedModelsFact]
    public void Equalization_brings_per_channel_weight_ranges_closer()
    {
        var prepared = Prepared("fmnist_mobilenetv2.onnx");
        var equalized = Equalized(prepared);
        // How far one per-tensor scale is from each channel's own: mean over layers of log(max range / median range).
        double Spread(Model m)
        {
            var spreads = new List<double>();
            foreach (var node in m.Graph.Nodes.Where(n => n.OpType == "Conv"))
            {
                var ranges = LinearLayer.Of(m.Graph, node)!.OutputRanges().Where(r => r > 0).OrderBy(r => r).ToArray();
                spreads.Add(Math.Log(ranges[^1] / ranges[ranges.Length / 2]));
            }
            return spreads.Average();
        }
        double before = Spread(prepared), after = Spread(equalized);
        Assert.True(after < 0.6 * before, $"channel range spread {before:F3} → {after:F3}");
        // A ReLU6 between two equalized layers became Relu → Min with per-channel bounds.
        Assert.Contains(equalized.Graph.Nodes, n => n.OpType == "Min");
    }

    [SharedModelsFact]
    public void Bias_correction_reduces_the_mean_output_error()
    {
        var model = NormalizeKit.Load("fmnist_mobilenetv2.onnx");
        var recipe = new QuantRecipe { WeightType = QuantType.Int4, PerChannel = false, Equalize = true, CalibCount = 128 };
        var plain = StaticQuantizer.Quantize(model, Demo("train", 128, 0), recipe.Resolve(Hardware.Detect())).Model;
        var corrected = StaticQuantizer.Quantize(model, Demo("train", 128, 0), (recipe with { BiasCorrection = true }).Resolve(Hardware.Detect())).Model;
        Assert.Contains("bias-corrected", corrected.Metadata("quanta.recipe"));
        // The mean error per logit over held-out test images: what bias correction removes.
        var test = Demo("test", 256, 1);
        double errorPlain = MeanLogitBias(model, plain, test), errorCorrected = MeanLogitBias(model, corrected, test);
        Assert.True(errorCorrected < 0.7 * errorPlain, $"mean |E[ŷ − y]| per logit {errorPlain:F4} → {errorCorrected:F4}");
    }

    /// <summary>Mean over logits of |E[quantized − float]| on the data.</summary>
    static double MeanLogitBias(Model reference, Model quantized, IDataset data)
    {
        using var f = new ModelRunner(reference);
        using var q = new ModelRunner(quantized);
        var sum = new double[10];
        int count = 0;
        foreach (var batch in data.Batches(64))
        {
            var a = f.Run(batch).Single(o => o.Name == "logits").Values;
            var b = q.Run(batch).Single(o => o.Name == "logits").Values;
            for (int i = 0; i < a.Length; i++) sum[i % 10] += b[i] - a[i];
            count += batch.Count;
        }
        return sum.Average(s => Math.Abs(s / count));
    }

    [SharedModelsFact]
    public void AdaRound_reconstructs_a_real_layer_better_than_round_to_nearest()
    {
        // A 3×3 Conv of ResNet-20's last stage (64 → 64 channels, K = 576) on the inputs real images give it.
        var prepared = Prepared("fmnist_resnet20.onnx");
        var g = prepared.Graph;
        var layer = g.TopologicalOrder().Select(n => LinearLayer.Of(g, n)).Where(l => l is { Node.OpType: "Conv" } && l.WeightShape[1] == 64).Last()!;
        var patches = LayerPatches.For(layer)!;
        string input = layer.Node.Input[0];
        using (var runner = new ModelRunner(prepared, null, [input]))
            foreach (var batch in Demo("train", 256, 0).Batches(64))
            {
                var x = runner.Run(batch).Single(o => o.Name == input);
                patches.Add(x.Values, x.Values, x.Shape);
            }
        var rows = layer.Rows();
        var p = QuantMath.PerChannel(rows, layer.WeightShape, 0, new QuantSpec(QuantType.Int4, Symmetric: true));
        var nearest = AdaRound.RoundToNearest(rows, layer.OutChannels, layer.RowLength, p);
        var learned = AdaRound.Round(rows, layer.OutChannels, layer.RowLength, p, patches.Gram, patches.Cross, patches.Count, 500);
        // Error relative to a zero output (the constant the quadratic form leaves out).
        double Error(float[] w) => AdaRound.Error(w, rows, layer.OutChannels, layer.RowLength, patches.Gram, patches.Cross, patches.Count)
            - AdaRound.Error(rows, rows, layer.OutChannels, layer.RowLength, patches.Gram, patches.Cross, patches.Count);
        double rtn = Error(nearest), ada = Error(learned);
        Assert.True(ada < 0.8 * rtn, $"layer output error: round-to-nearest {rtn:E3}, AdaRound {ada:E3}");
        // Every learned weight is a grid point next to the float weight.
        for (int i = 0; i < rows.Length; i++)
        {
            float s = p.Scale[i / layer.RowLength];
            Assert.True(MathF.Abs(learned[i] - rows[i]) <= s * 1.0001f, $"weight {i} moved more than one step");
            Assert.True(MathF.Abs(learned[i] / s - MathF.Round(learned[i] / s)) < 1e-3f, $"weight {i} is off the grid");
        }
    }
}
