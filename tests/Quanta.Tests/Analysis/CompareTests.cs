using Quanta.Analysis;
using Quanta.Quantization;
using Quanta.Tests.Quantization;

namespace Quanta.Tests.Analysis;

public class CompareTests(AnalysisFixture f) : IClassFixture<AnalysisFixture>
{
    [Fact]
    public void ListsEveryQuantizedTensorWorstFirst()
    {
        var r = ModelComparer.Compare(f.Float, f.Quantized.Model, f.Test);
        var expected = QdqTensors.Find(f.Quantized.Model).Select(t => t.Name).Order().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, r.Tensors.Select(t => t.Tensor).Order().ToList());
        Assert.Empty(r.Unmatched);
        // Every planned tensor (activations, weights, biases) is in the model and in the table.
        Assert.Equal(f.Quantized.Plan.Tensors.Count, r.Tensors.Count);
        Assert.All(r.Tensors, t => Assert.True(double.IsFinite(t.SqnrDb) && t.SqnrDb > 10, $"{t.Tensor}: {t.SqnrDb} dB"));
        Assert.All(r.Tensors, t => Assert.InRange(t.Cosine, 0.95, 1.0));
        for (int i = 1; i < r.Tensors.Count; i++) Assert.True(r.Tensors[i - 1].SqnrDb <= r.Tensors[i].SqnrDb);
        Assert.Contains(r.Tensors, t => t.Kind == QuantizedKind.Weight);
        Assert.Contains(r.Tensors, t => t.Kind == QuantizedKind.Activation);
        Assert.Equal(500, r.Samples);
        Assert.InRange(r.Output.Top1Agreement, 0.97, 1.0);
        Assert.InRange(r.Output.MeanKl, 0, 0.05);
        Assert.True(r.Output.SqnrDb > 20, $"output SQNR {r.Output.SqnrDb}");
        Assert.NotNull(r.Output.FloatTop1);
    }

    [Fact]
    public void QOperatorModelsCompareLikeTheirQdqForm()
    {
        var qoperator = f.Calibrated.Quantize(f.Recipe with { Format = QuantFormat.QOperator }).Model;
        var data = Quantize.Test(64);
        var fromQdq = ModelComparer.Compare(f.Float, f.Quantized.Model, data).Tensors.ToDictionary(t => t.Tensor);
        var fromQOperator = ModelComparer.Compare(f.Float, qoperator, data).Tensors;
        Assert.Equal(fromQdq.Keys.Order(), fromQOperator.Select(t => t.Tensor).Order());
        Assert.All(fromQOperator, t => Assert.Equal(fromQdq[t.Tensor].SqnrDb, t.SqnrDb, 3));
    }

    [Fact]
    public void WeightErrorMatchesFakeQuantizationOfTheFloatWeight()
    {
        var r = ModelComparer.Compare(f.Float, f.Quantized.Model, Quantize.Test(64));
        var w = r.Tensors.First(t => t.Kind == QuantizedKind.Weight);
        var prepared = f.Calibrated.Prepared.Graph.Initializer(w.Tensor)!;
        var values = Quanta.Onnx.Tensors.ToFloats(prepared);
        var fq = new float[values.Length];
        Quanta.Numerics.QuantMath.FakeQuantize(values, f.Quantized.Plan.Params[w.Tensor], prepared.Dims.ToArray(), fq);
        Assert.Equal(Quanta.Numerics.QuantMath.Sqnr(values, fq), w.SqnrDb, 2);
        Assert.Equal(0, w.ClippingRatio);   // symmetric min/max weights clip nothing
    }

    [Fact]
    public void KeepingTheWorstLayerFloatHelpsMoreThanRandomLayers()
    {
        var compared = ModelComparer.Compare(f.Float, f.Quantized.Model, f.Test);
        var reference = ReferenceRun.Of(f.Calibrated.Prepared, f.Test);
        string worst = compared.Tensors[0].Node;
        var others = compared.Tensors.Select(t => t.Node).Where(n => n != worst && n != "(input)").Distinct().Order().ToList();
        var random = new Random(3);
        var picked = others.OrderBy(_ => random.Next()).Take(3).ToList();
        double Sqnr(string node) => reference.Score(f.Calibrated.Quantize(f.Recipe with { Exclude = [node] }).Model).SqnrDb;
        double worstSqnr = Sqnr(worst);
        Assert.All(picked, n => Assert.True(worstSqnr > Sqnr(n), $"worst {worst}: {worstSqnr:0.00} dB; {n}: {Sqnr(n):0.00} dB"));
    }
}
