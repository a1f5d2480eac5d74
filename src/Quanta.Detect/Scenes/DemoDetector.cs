using Quanta.Data;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Detect.Scenes;

/// <summary>
/// The int8 detector of `quanta demo detect`: Quanta's static quantizer with the recipe the
/// hardware resolves to, calibrated on generated scenes that the evaluation never sees (another seed).
/// </summary>
public static class DemoDetector
{
    public const int CalibrationSeed = 1_000_003;

    public static QuantizeResult Quantize(string floatPath, int calibrationScenes, IProgress<WorkProgress>? progress = null)
    {
        var model = Model.Load(floatPath);
        var input = model.Graph.Inputs[0].Type.TensorType.Shape.Dim;
        var scenes = new SceneDataset(calibrationScenes, CalibrationSeed, (int)input[3].DimValue, (int)input[2].DimValue);
        // Batch 1: UltraFace's Reshapes are exported with the batch of 1 baked in.
        var recipe = new QuantRecipe { CalibCount = calibrationScenes, CalibBatch = 1 }.Resolve(Hardware.Detect());
        return StaticQuantizer.Quantize(model, scenes, recipe, progress: progress);
    }
}
