using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Tests.Data;

public class ArrayDatasetTests
{
    /// <summary>The demo's Fashion-MNIST test images, preprocessed, copied into one array (what a user holds in memory).</summary>
    static (float[] Values, int[] Labels) InMemory(int count)
    {
        var source = DataSource.Open(Path.Combine(TestData.DemoDir, "fashion-mnist") + ":test", new DataOptions(TestData.FashionPreprocessing, Count: count));
        var batches = source.Batches(64).ToList();
        return (batches.SelectMany(b => b.Data).ToArray(), batches.SelectMany(b => b.Labels!).ToArray());
    }

    [Fact]
    public void InMemorySamplesQuantizeAndEvaluateAsTheFileTheyCameFrom()
    {
        var (values, labels) = InMemory(300);
        var memory = new ArrayDataset(values, [1, 28, 28], labels);
        var file = DataSource.Open(Path.Combine(TestData.DemoDir, "fashion-mnist") + ":test", new DataOptions(TestData.FashionPreprocessing, Count: 300));
        var model = Model.Load(Path.Combine(TestData.DemoDir, "fmnist_cnn.onnx"));

        var recipe = new QuantRecipe { CalibCount = 128 }.Resolve(Hardware.Detect());
        var fromMemory = StaticQuantizer.Quantize(model, memory, recipe);
        var fromFile = StaticQuantizer.Quantize(model, file, recipe);
        Assert.Equal(fromFile.Ranges.Select(r => (r.Tensor, r.Scale, r.ZeroPoint)), fromMemory.Ranges.Select(r => (r.Tensor, r.Scale, r.ZeroPoint)));

        var a = Evaluator.Evaluate(fromMemory.Model, memory);
        var b = Evaluator.Evaluate(fromFile.Model, file);
        Assert.Equal((300, b.Top1), (a.Count, a.Top1));
        Assert.True(a.Top1 > 0.8, $"top-1 {a.Top1}");
    }

    [Fact]
    public void BatchesSplitSamplesAndLabels()
    {
        var ds = new ArrayDataset(Enumerable.Range(0, 5 * 6).Select(i => (float)i).ToArray(), [2, 3], [0, 1, 2, 3, 4]);
        var batches = ds.Batches(2).ToList();
        Assert.Equal([2, 2, 1], batches.Select(b => b.Count));
        Assert.Equal(new long[] { 1, 2, 3 }, batches[2].Shape);
        Assert.Equal(new[] { 24f, 25, 26, 27, 28, 29 }, batches[2].Data);
        Assert.Equal(new[] { 4 }, batches[2].Labels);
    }

    [Theory]
    [InlineData(7, 3)]   // 7 values are not whole samples of 6
    [InlineData(12, 0)]  // a zero dimension
    public void MalformedArraysAreBadInput(int values, int dim)
    {
        var e = Assert.Throws<QuantaException>(() => new ArrayDataset(new float[values], [2, dim]));
        Assert.Contains("in-memory samples", e.Message);
    }

    [Fact]
    public void LabelsMustMatchTheSamples() =>
        Assert.Throws<QuantaException>(() => new ArrayDataset(new float[12], [6], [1, 2, 3]));
}
