using Quanta.IR;

namespace Quanta.Quantization;

/// <summary>
/// Records in a model's metadata how it was made (tool version, recipe, calibration data), so a
/// quantized or converted file explains itself. Every mode stamps through here.
/// </summary>
public static class ModelStamp
{
    public static void Apply(Model model, string recipe, string? calibration = null)
    {
        model.Proto.ProducerName = "quanta";
        model.Proto.ProducerVersion = StaticQuantizer.Version;
        model.SetMetadata("quanta.version", StaticQuantizer.Version);
        model.SetMetadata("quanta.recipe", recipe);
        if (calibration is not null) model.SetMetadata("quanta.calibration", calibration);
    }
}
