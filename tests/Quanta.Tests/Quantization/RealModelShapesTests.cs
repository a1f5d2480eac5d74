using Quanta.Analysis;
using Quanta.Data;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Quantization.Dynamic;
using Quanta.Runtime;
using Quanta.Tests.Data;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Quantization;

/// <summary>
/// Quantization with defaults on models shaped like other people's exports: a fixed batch of 1,
/// two image inputs, int64 token inputs of varying length. Fidelity is measured label-free against
/// the float model on held-out samples.
/// </summary>
public class RealModelShapesTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly DataOptions Plain = new(Preprocessing.Identity);
    static ResolvedRecipe Defaults(int calibCount = 256) => new QuantRecipe { CalibCount = calibCount }.Resolve(Hardware.Detect());

    [Fact]
    public void FixedBatchExportQuantizesToTheSameFileAsTheDynamicOne()
    {
        var dynamic = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var fixedBatch = ExportShapes.FixedBatch(dynamic);
        var dynamicResult = StaticQuantizer.Quantize(dynamic, Quantize.Calibration(64), Defaults(64));
        var fixedResult = StaticQuantizer.Quantize(fixedBatch, Quantize.Calibration(64), Defaults(64));
        var (fromDynamic, fromFixed) = (dynamicResult.Model, fixedResult.Model);
        // The default (auto) makes the same choice; its scores, summed over batches of 1 instead of 32,
        // may differ in the last digits of the recorded score table, so that one entry is compared by choice.
        Assert.Equal(dynamicResult.Auto!.Method, fixedResult.Auto!.Method);
        Assert.Equal(dynamicResult.Auto.Tensors, fixedResult.Auto.Tensors);
        foreach (var m in new[] { fromDynamic, fromFixed })
            m.Proto.MetadataProps.Remove(m.Proto.MetadataProps.Single(p => p.Key == Quanta.Calibration.AutoCalibration.MetadataKey));

        // Apart from the batch dimension of the declared shapes (inputs, outputs, and the value
        // shapes inferred from them), the files are the same bytes.
        Assert.Equal(1, fromFixed.Graph.Inputs[0].Type.TensorType.Shape.Dim[0].DimValue);
        var declared = Declared(fromDynamic.Proto.Graph).ToDictionary(v => v.Name);
        foreach (var v in Declared(fromFixed.Proto.Graph))
            if (v.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape && declared[v.Name].Type.TensorType.Shape.Dim[0].HasDimParam)
            {
                Assert.Equal(1, shape.Dim[0].DimValue);
                shape.Dim[0] = declared[v.Name].Type.TensorType.Shape.Dim[0].Clone();
            }
        fromFixed.Graph.Changed();
        Assert.Equal(fromDynamic.ToBytes(), fromFixed.ToBytes());
    }

    static IEnumerable<ValueInfoProto> Declared(GraphProto g) => g.Input.Concat(g.Output).Concat(g.ValueInfo);

    [Fact]
    public void TokenModelWithInt64InputsOfAnyLengthQuantizesStaticAndDynamic()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp["calib"]);
        SampleFiles.Tokens(Path.Combine(tmp["calib"], "a.npz"), 40, seq: 16, vocab: 1000, seed: 1);
        SampleFiles.Tokens(Path.Combine(tmp["calib"], "b.npz"), 40, seq: 48, vocab: 1000, seed: 2);
        SampleFiles.Tokens(tmp["held-out.npz"], 50, seq: 32, vocab: 1000, seed: 3);
        var model = ExportShapes.Tokens();
        var heldOut = ReferenceRun.Of(model, DataSource.Open(tmp["held-out.npz"], Plain), new ScoreOptions(Metric: Metric.Cosine));
        Assert.Equal(Metric.Cosine, heldOut.Metric);

        var q = StaticQuantizer.Quantize(model, DataSource.Open(tmp["calib"], Plain), Defaults(80));
        Assert.Contains(q.Model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
        var staticScore = heldOut.Score(q.Model);
        Assert.True(staticScore.MeanCosine >= 0.99, $"static cosine {staticScore.MeanCosine:0.0000}");

        var d = DynamicQuantizer.Quantize(model, new DynamicOptions());
        var dynamicScore = heldOut.Score(d.Model);
        Assert.True(dynamicScore.MeanCosine >= 0.99);
        output.WriteLine($"tokens: static cosine {staticScore.MeanCosine:0.00000} size {(double)q.Model.SerializedBytes() / model.SerializedBytes():0.000}; dynamic cosine {dynamicScore.MeanCosine:0.00000} size {(double)d.Model.SerializedBytes() / model.SerializedBytes():0.000}");
    }

    [Fact]
    public void TwoImageInputsCalibrateFromOneNpz()
    {
        using var tmp = new TempDir();
        SampleFiles.ImagePairs(tmp["calib.npz"], 128, offset: 0);
        SampleFiles.ImagePairs(tmp["test.npz"], 200, offset: 1000);
        var model = ExportShapes.TwoImages();
        var q = StaticQuantizer.Quantize(model, DataSource.Open(tmp["calib.npz"], Plain), Defaults(128));
        var reference = ReferenceRun.Of(model, DataSource.Open(tmp["test.npz"], Plain));
        Assert.Equal(Metric.Agreement, reference.Metric);   // unlabelled [N, C] scores: argmax agreement by default
        var score = reference.Score(q.Model);
        output.WriteLine($"two images: static cosine {score.MeanCosine:0.00000}, agreement {score.Top1Agreement:0.0000}, size {(double)q.Model.SerializedBytes() / model.SerializedBytes():0.000}");
        Assert.True(score.MeanCosine >= 0.99, $"cosine {score.MeanCosine:0.0000}");
        Assert.True(score.Points(Metric.Agreement) >= 95, $"agreement {score.Top1Agreement:P1}");
    }

    [Fact]
    public void TuneMeetsACosineTargetWithoutLabels()
    {
        using var tmp = new TempDir();
        SampleFiles.ImagePairs(tmp["calib.npz"], 64, offset: 0);
        SampleFiles.ImagePairs(tmp["test.npz"], 100, offset: 500);
        var start = new QuantRecipe { CalibCount = 64, WeightType = QuantType.Int4 }.Resolve(Hardware.Detect());
        var options = new TuneOptions(MaxDropPoints: 0.05, MaxTrials: 12, Methods: [Quanta.Calibration.CalibrationMethod.MinMax]) { Metric = Metric.Cosine, Recovery = false };
        var r = Tuner.Run(ExportShapes.TwoImages(), DataSource.Open(tmp["calib.npz"], Plain), DataSource.Open(tmp["test.npz"], Plain), null, start, options);
        Assert.Equal(Metric.Cosine, r.Metric);
        Assert.Equal(100, r.ReferenceScore);
        Assert.True(r.Met, $"best cosine {r.Chosen.Score:0.000} vs {r.Target}");
        // The score is what an independent run of the chosen model gives.
        var check = ReferenceRun.Of(ExportShapes.TwoImages(), DataSource.Open(tmp["test.npz"], Plain), new ScoreOptions(Metric: Metric.Cosine)).Score(r.Best.Model);
        Assert.Equal(r.Chosen.Score, check.Points(Metric.Cosine), 6);
    }
}
