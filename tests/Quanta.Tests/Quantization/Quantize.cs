using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Tests.Quantization;

/// <summary>Quantizes reference models on real Fashion-MNIST and evaluates them in ONNX Runtime.</summary>
static class Quantize
{
    public static IDataset Calibration(int count = 512) =>
        DataSource.Open(TestData.FashionMnist + ":train", new DataOptions(TestData.FashionPreprocessing, count, Seed: 0));

    /// <summary>A seeded subset of the test split (full runs live in bench/).</summary>
    public static IDataset Test(int count = 2000) =>
        DataSource.Open(TestData.FashionMnist + ":test", new DataOptions(TestData.FashionPreprocessing, count, Seed: 1));

    public static QuantizeResult Run(Model model, QuantRecipe recipe, int calibCount = 512) =>
        StaticQuantizer.Quantize(model, Calibration(calibCount), recipe with { CalibCount = calibCount } is var r ? r.Resolve(Hardware.Detect()) : null!);

    public static double Top1(Model model, IDataset data) => Evaluator.Evaluate(model, data).Top1;

    /// <summary>The quantized model after a save/load round trip, as a user would get it.</summary>
    public static Model SavedAndLoaded(Model model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"quanta-test-{Guid.NewGuid():N}.onnx");
        try
        {
            model.Save(path);
            return Model.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
