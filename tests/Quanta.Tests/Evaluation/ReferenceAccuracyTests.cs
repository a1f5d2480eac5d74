using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;

namespace Quanta.Tests.Evaluation;

/// <summary>Evaluation reproduces the reference models' published top-1 on all 10,000 test images.</summary>
public class ReferenceAccuracyTests
{
    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx", 0.9276)]
    [InlineData("fmnist_resnet20.onnx", 0.9433)]
    [InlineData("fmnist_mobilenetv2.onnx", 0.9445)]
    [InlineData("fmnist_vit.onnx", 0.9089)]
    public void TopOneMatchesTheModelCard(string file, double expected)
    {
        var data = DataSource.Open(TestData.FashionMnist + ":test", new DataOptions(TestData.FashionPreprocessing));
        var result = Evaluator.Evaluate(Model.Load(TestData.Model(file)), data);
        Assert.Equal(10_000, result.Count);
        Assert.Equal(expected, result.Top1, 4);
        Assert.Equal(1000, result.PerClassCount[0]);
    }
}
