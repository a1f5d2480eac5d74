using Microsoft.ML.OnnxRuntime;
using Quanta.Bench;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Quantization.WeightOnly;

namespace Quanta.Tests.Modes;

/// <summary>
/// GPTQ's Hessians collected block by block: the generated decoder is cut at its residual stream,
/// the calibration text runs through one segment at a time, and the Hessians equal those of a
/// whole-model pass; the quantized decoder runs in ONNX Runtime close to the float one.
/// </summary>
public class BlockwiseGptqTests
{
    static readonly DecoderShape Small = new(Blocks: 2, Hidden: 128, Intermediate: 256, Vocab: 512);

    static ByteTextDataset Text(int count) => new("/usr/share/common-licenses/GPL-3", seq: 16, count: count, seed: 1);

    static (Model Model, List<LinearLayer> Layers) Prepared(string path)
    {
        var model = PassPipeline.Run(Model.Load(path), PassPipeline.Normalize, out _);
        var layers = model.Graph.Nodes.Where(n => n.OpType == "MatMul").Select(n => LinearLayer.Find(model.Graph, n, fuseBias: true).Layer)
            .OfType<LinearLayer>().ToList();
        return (model, layers);
    }

    [Fact]
    public void ADecoderIsCutAtItsResidualStreamAndGivesTheWholeModelsHessians()
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx");
        DecoderModel.Write(input, Small, DataTypes.Float);
        var (model, layers) = Prepared(input);
        Assert.Equal(2 * 7 + 1, layers.Count);

        var segments = GraphSegments.Split(model, layers)!;
        // Attention and MLP halves of each block, then lm_head: only the residual stream crosses a cut.
        Assert.Equal(2 * 2 + 1, segments.Count);
        Assert.All(segments.Skip(1), s => Assert.Single(s.Carried));
        Assert.Equal(layers.Count, segments.Sum(s => s.Layers.Count));
        Assert.Equal(["input_ids"], segments[0].GraphInputs);

        var blockwise = new Dictionary<string, InputStatistics>();
        int calls = 0;
        BlockwiseCalibration.Run(model, segments, Text(12), 4, null, null, (segment, hessians) =>
        {
            calls++;
            Assert.Equal(segment.Taps.Order(), hessians.Keys.Order());
            foreach (var (k, v) in hessians) blockwise[k] = v;
        });
        Assert.Equal(segments.Count, calls);
        var whole = HessianCollector.CollectStatistics(model, layers.GroupBy(l => l.Input).ToDictionary(g => g.Key, g => g.First().K), Text(12), 4);
        Assert.Equal(whole.Keys.Order(), blockwise.Keys.Order());
        foreach (var (name, expected) in whole)
        {
            var actual = blockwise[name].Hessian;
            double scale = expected.Hessian.Max(Math.Abs);
            Assert.True(scale > 0, name);
            double worst = expected.Hessian.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-4 * scale, $"{name}: Hessians differ by {worst} (largest entry {scale})");
        }
    }

    [Fact]
    public void GptqOnAStreamedDecoderRunsBlockByBlockAndStaysCloseToFloat()
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx"), output = folder.File("decoder-gptq.onnx");
        DecoderModel.Write(input, Small, DataTypes.Float);
        var result = WeightOnlyQuantizer.Quantize(Model.Load(input), new WeightOnlyOptions { Algorithm = WeightOnlyAlgorithm.Gptq, Bits = 4, BlockSize = 32 }, Text(16));
        Assert.Contains(result.Notes, n => n.Contains("block by block"));
        Assert.Equal(2 * 7 + 1, result.ConvertedByOpType["MatMul"]);
        result.Model.Save(output);
        double cosine = StreamingTests.Cosine(StreamingTests.Logits(input), StreamingTests.Logits(output));
        Assert.True(cosine > 0.98, $"cosine of GPTQ int4 logits to float: {cosine:F4}");
    }

    sealed class TempFolder : IDisposable
    {
        readonly string _path = Directory.CreateTempSubdirectory("quanta-gptq-").FullName;
        public string File(string name) => Path.Combine(_path, name);
        public void Dispose() => Directory.Delete(_path, true);
    }
}
