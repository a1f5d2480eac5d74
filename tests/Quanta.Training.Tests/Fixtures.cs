using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;

namespace Quanta.Training.Tests;

/// <summary>Small shared inputs: the reference models (normalized as QAT sees them) and Fashion-MNIST batches.</summary>
static class Fixtures
{
    public static Model Load(string name) => Model.Load(TestData.Model(name));

    public static Model Normalized(string name) => PassPipeline.Run(Load(name), PassPipeline.Normalize, out _);

    public static IDataset Test(int count, int seed = 0) =>
        DataSource.Open(TestData.FashionMnist + ":test", new DataOptions(TestData.FashionPreprocessing, count, seed));

    public static IDataset Train(int count, int seed = 0) =>
        DataSource.Open(TestData.FashionMnist + ":train", new DataOptions(TestData.FashionPreprocessing, count, seed));

    public static Batch FirstBatch(IDataset data, int size)
    {
        var b = data.Batches(size).First();
        return Batch.Of((float[])b.Data.Clone(), (long[])b.Shape.Clone(), (int[]?)b.Labels?.Clone());
    }
}
