using System.Diagnostics;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.TestModels;
using Xunit.Abstractions;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Modes;

/// <summary>
/// Static quantization of the encoder's embedding table. Calibration runs here in the test, feeding
/// the three int64 inputs to ONNX Runtime and taking each planned tensor's min/max, because the
/// library's calibrator reads single-input image data (multi-input data is the lead's work in
/// progress); everything after the ranges is the real static path (<see cref="StaticQuantizer.Write"/>).
/// </summary>
public class StaticEmbeddingTests(ITestOutputHelper output)
{
    static readonly EncoderConfig Config = new();

    [Fact]
    public void PlanMakesTheWordTableAPerRowWeightAndLeavesSmallTablesAlone()
    {
        var prepared = PassPipeline.Run(EncoderModel.Build(Config), PassPipeline.Normalize, out _);
        var recipe = new QuantRecipe { PerChannel = false }.Resolve(Hardware.Detect());
        var plan = Planner.Plan(prepared.Graph, recipe);

        var word = prepared.Graph.Nodes.Single(n => n.OpType == "Gather" && n.Output[0].StartsWith("word_embeddings"));
        var table = plan.Tensors[word.Input[0]];
        Assert.Equal(TensorRole.Weight, table.Role);
        Assert.Equal(0, table.Axis); // per row even with --per-channel false
        Assert.False(table.Spec.ReduceRange);
        Assert.Contains(word, plan.QuantizedNodes);
        // The 128 × 128 position table and the 2-row type table are below the threshold: not weights.
        foreach (var small in prepared.Graph.Nodes.Where(n => n.OpType == "Gather" && n != word && prepared.Graph.Initializer(n.Input[0]) is not null))
            Assert.False(plan.Tensors.TryGetValue(small.Input[0], out var p) && p.Role == TensorRole.Weight, small.Input[0]);
    }

    /// <remarks>
    /// The attention-score Adds are kept float: they add the mask's −10000 to the scores, and a
    /// min/max uint8 range over [−10000, 10] flattens every real score (pooled cosine 0.988 with
    /// them quantized, 0.995 without; excluding the word table instead changes nothing, 0.987).
    /// That is an activation-range matter for static transformers in general, not the table's.
    /// </remarks>
    [Fact]
    public void StaticEncoderStoresTheTableAsInt8AndKeepsItsEmbeddings()
    {
        var model = EncoderModel.Build(Config);
        var prepared = PassPipeline.Run(model, PassPipeline.Normalize, out var preparation);
        var recipe = new QuantRecipe { Exclude = ["/layer*_masked_scores*"] }.Resolve(Hardware.Detect());
        var plan = Planner.Plan(prepared.Graph, recipe);
        var calibration = Enumerable.Range(0, 8).Select(i => EncoderModel.Sample(Config, 8, 24 + i, seed: i)).ToArray();
        var ranges = Ranges(prepared, plan.TensorsToCalibrate.ToList(), calibration);

        var result = StaticQuantizer.Write(prepared, preparation, plan, ranges, recipe,
            new StaticQuantizer.CalibrationSummary("in-memory encoder batches", 8 * 8, "test", 0), Stopwatch.StartNew());
        var quantized = Q.SavedAndLoaded(result.Model);

        var word = quantized.Graph.Nodes.Single(n => n.OpType == "Gather" && n.Output[0].StartsWith("word_embeddings"));
        var dq = quantized.Graph.Producer(word.Input[0])!;
        Assert.Equal("DequantizeLinear", dq.OpType);
        var codes = quantized.Graph.Initializer(dq.Input[0])!;
        Assert.Equal(DataTypes.Int8, codes.DataType);
        Assert.Equal(Config.Vocab, Tensors.ElementCount(quantized.Graph.Initializer(dq.Input[1])!));
        double ratio = (double)quantized.SerializedBytes() / model.SerializedBytes();
        Assert.True(ratio <= 0.30, $"static file is {ratio:0.000}× the float file");

        using var a = new EncoderRunner(model);
        using var b = new EncoderRunner(quantized);
        var heldOut = EncoderModel.Sample(Config, 8, 32, seed: 101);
        double cosine = EncoderRunner.WorstRowCosine(a.Run(heldOut), b.Run(heldOut), Config.Hidden);
        output.WriteLine($"encoder static: {quantized.SerializedBytes()} of {model.SerializedBytes()} bytes ({ratio:0.000}×), worst cosine {cosine:0.00000}");
        Assert.True(cosine >= 0.99, $"worst pooled-embedding cosine {cosine:0.0000}");
    }

    /// <summary>Min/max of each tensor over the batches: the minmax calibrator's job, done with int64 feeds.</summary>
    static Dictionary<string, (float Min, float Max)> Ranges(Model prepared, List<string> tensors, EncoderBatch[] batches)
    {
        if (tensors.Count == 0) return []; // every activation-reading op runs dynamically or stays float
        var probe = prepared.Clone();
        foreach (var t in tensors.Where(t => !probe.Graph.IsGraphOutput(t)))
            probe.Graph.Outputs.Add(new ValueInfoProto { Name = t });
        var ranges = tensors.ToDictionary(t => t, _ => (Min: float.MaxValue, Max: float.MinValue));
        using var runner = new EncoderRunner(probe);
        foreach (var batch in batches)
            foreach (var (t, values) in runner.Run(tensors, batch))
            {
                var (min, max) = ranges[t];
                ranges[t] = (Math.Min(min, System.Numerics.Tensors.TensorPrimitives.Min(values)), Math.Max(max, System.Numerics.Tensors.TensorPrimitives.Max(values)));
            }
        return ranges;
    }
}
