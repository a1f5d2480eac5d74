using Quanta.IR;

namespace Quanta.Tests.IR;

public class RoundTripTests
{
    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx")]
    [InlineData("fmnist_resnet20.onnx")]
    [InlineData("fmnist_mobilenetv2.onnx")]
    [InlineData("fmnist_vit.onnx")]
    public void SavingUnchangedReproducesTheFileAndItsOutputs(string name)
    {
        string original = TestData.Model(name);
        string copy = Path.Combine(Path.GetTempPath(), $"quanta-rt-{Guid.NewGuid():N}.onnx");
        try
        {
            var model = Model.Load(original);
            model.Save(copy);
            Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(copy));

            var reloaded = Model.Load(copy);
            Assert.Equal(IrFixtures.Logits(model), IrFixtures.Logits(reloaded));
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
