using System.IO.Compression;
using System.Runtime.InteropServices;
using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Data;

/// <summary>Data for models with several named inputs of any element type, and how it binds to the model.</summary>
public class NamedInputsTests
{
    static readonly DataOptions Plain = new(Preprocessing.Identity);

    [Fact]
    public void NpzKeysBecomeNamedTypedTensors()
    {
        using var tmp = new TempDir();
        SampleFiles.Tokens(tmp["t.npz"], samples: 10, seq: 12, vocab: 50, seed: 1);
        var ds = DataSource.Open(tmp["t.npz"], Plain);
        Assert.Equal(10, ds.Count);
        var batches = ds.Batches(4).ToList();
        Assert.Equal([4, 4, 2], batches.Select(b => b.Count));
        var first = batches[0];
        Assert.Equal(["input_ids", "attention_mask"], first.Inputs.Select(t => t.Name));
        Assert.All(first.Inputs, t => Assert.Equal(ElementType.Int64, t.ElementType));
        Assert.Equal([4L, 12], first.Inputs[0].Shape);
        // Ids and mask agree: a padded position has id 0 and mask 0.
        var ids = (long[])first.Inputs[0].Values;
        var mask = (long[])first.Inputs[1].Values;
        Assert.All(Enumerable.Range(0, ids.Length), i => Assert.Equal(mask[i] == 0, ids[i] == 0));
    }

    [Fact]
    public void FolderOfNpzKeepsEachFilesSequenceLength()
    {
        using var tmp = new TempDir();
        SampleFiles.Tokens(tmp["a.npz"], 5, seq: 8, vocab: 50, seed: 1);
        SampleFiles.Tokens(tmp["b.npz"], 7, seq: 20, vocab: 50, seed: 2);
        var ds = DataSource.Open(tmp.Path, Plain);
        Assert.Equal(12, ds.Count);
        var shapes = ds.Batches(4).Select(b => string.Join("x", b.Inputs[0].Shape)).ToList();
        Assert.Equal(["4x8", "1x8", "4x20", "3x20"], shapes);
        // A seeded subset is drawn across the files and is the same every time.
        var subset = DataSource.Open(tmp.Path, Plain with { Count = 6, Seed = 3 });
        Assert.Equal(6, subset.Count);
        Assert.Equal(6, subset.Batches(64).Sum(b => b.Count));
        Assert.Equal(Ids(subset), Ids(DataSource.Open(tmp.Path, Plain with { Count = 6, Seed = 3 })));
    }

    static long[] Ids(IDataset ds) => ds.Batches(64).SelectMany(b => (long[])b.Inputs[0].Values).ToArray();

    [Fact]
    public void BoolAndInt32ArraysKeepTheirType()
    {
        using var tmp = new TempDir();
        var flags = new byte[] { 1, 0, 1, 1, 0, 0 };
        var counts = new[] { 3, 4, 5 };
        Writers.Npz(tmp["m.npz"], CompressionLevel.Fastest,
            ("flag", Writers.Npy("|b1", [3, 2], flags)),
            ("count", Writers.Npy("<i4", [3], MemoryMarshal.AsBytes(counts.AsSpan()))));
        var b = DataSource.Open(tmp["m.npz"], Plain).Batches(3).Single();
        Assert.Equal(new[] { true, false, true, true, false, false }, (bool[])b.Inputs.Single(t => t.Name == "flag").Values);
        Assert.Equal(counts, (int[])b.Inputs.Single(t => t.Name == "count").Values);
    }

    [Fact]
    public void ArraysWithDifferentSampleCountsAreRejected()
    {
        using var tmp = new TempDir();
        Writers.Npz(tmp["m.npz"], CompressionLevel.Fastest,
            ("a", Writers.Npy("<i8", [3, 2], new byte[48])),
            ("b", Writers.Npy("<i8", [4, 2], new byte[64])));
        var e = Assert.Throws<QuantaException>(() => DataSource.Open(tmp["m.npz"], Plain));
        Assert.Contains("arrays disagree on the number of samples (a: 3, b: 4)", e.Message);
    }

    [Fact]
    public void BindingNamesTheInputDimensionAndSizes()
    {
        using var tmp = new TempDir();
        var model = ExportShapes.FixedBatch(Model.Load(TestData.Model("fmnist_cnn.onnx")));
        using var runner = new ModelRunner(model);
        Writers.Npz(tmp["x.npz"], CompressionLevel.Fastest, ("x", Writers.Npy(new float[2 * 20 * 28], [2, 1, 20, 28])));
        var e = Assert.Throws<QuantaException>(() => runner.BatchSize(64, DataSource.Open(tmp["x.npz"], Plain)));
        Assert.Contains("input 'input' dimension 2 is 28 [1,1,28,28]; the data has 20", e.Message);

        // A fixed batch of 1 runs one sample at a time, whatever was asked.
        Writers.Npz(tmp["ok.npz"], CompressionLevel.Fastest, ("x", Writers.Npy(new float[3 * 784], [3, 1, 28, 28])));
        var ok = DataSource.Open(tmp["ok.npz"], Plain);
        Assert.Equal(1, runner.BatchSize(64, ok));
        Assert.Equal(3, ok.Batches(1).Sum(b => runner.Run(b).Single(o => o.Name == "logits").Shape[0]));
    }

    [Fact]
    public void UnnamedDataForAModelWithSeveralInputsSaysWhatToGive()
    {
        using var tmp = new TempDir();
        using var runner = new ModelRunner(ExportShapes.TwoImages());
        File.WriteAllBytes(tmp["x.npy"], Writers.Npy(new float[2 * 784], [2, 1, 28, 28]));
        var e = Assert.Throws<QuantaException>(() => runner.BatchSize(8, DataSource.Open(tmp["x.npy"], Plain)));
        Assert.Contains("the model has 2 inputs (left float [?,1,28,28], right float [?,1,28,28]); give an .npz whose keys are the input names", e.Message);

        Writers.Npz(tmp["wrong.npz"], CompressionLevel.Fastest,
            ("left", Writers.Npy(new float[784], [1, 1, 28, 28])), ("middle", Writers.Npy(new float[784], [1, 1, 28, 28])));
        e = Assert.Throws<QuantaException>(() => runner.BatchSize(8, DataSource.Open(tmp["wrong.npz"], Plain)));
        Assert.Contains("'middle' that no model input is named after", e.Message);
    }

    [Fact]
    public void FloatDataIntoAnIntegerInputIsRefused()
    {
        using var tmp = new TempDir();
        using var runner = new ModelRunner(ExportShapes.Tokens());
        Writers.Npz(tmp["t.npz"], CompressionLevel.Fastest,
            ("input_ids", Writers.Npy(new float[8], [2, 4])), ("attention_mask", Writers.Npy("<i8", [2, 4], new byte[64])));
        var e = Assert.Throws<QuantaException>(() => runner.BatchSize(8, DataSource.Open(tmp["t.npz"], Plain)));
        Assert.Contains("input 'input_ids' takes int64 values; the data holds float", e.Message);
    }
}
