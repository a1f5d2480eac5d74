using Quanta.Analysis;
using Quanta.Data;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Quantization;

namespace Quanta.Tests.Analysis;

/// <summary>
/// The CNN calibrated once (256 training images) and quantized with the default recipe, shared by the
/// analysis tests so each pays only for its own trials.
/// </summary>
public sealed class AnalysisFixture
{
    public Model Float { get; } = Model.Load(TestData.Model("fmnist_cnn.onnx"));
    public ResolvedRecipe Recipe { get; } = new QuantRecipe { CalibCount = 256 }.Resolve(Hardware.Detect());
    public CalibratedModel Calibrated { get; }
    public QuantizeResult Quantized { get; }
    public IDataset Test { get; } = Quantize.Test(500);

    public AnalysisFixture()
    {
        Calibrated = CalibratedModel.Calibrate(Float, Quantize.Calibration(256), Recipe);
        Quantized = Calibrated.Quantize(Recipe);
    }
}
