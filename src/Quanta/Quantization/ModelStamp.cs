using Quanta.IR;

namespace Quanta.Quantization;

/// <summary>
/// Records in a model's metadata how it was made (tool version, recipe, calibration data), so a
/// quantized or converted file explains itself. Every mode stamps through here.
/// </summary>
public static class ModelStamp
{
    /// <param name="calibrationDigest">SHA-256 of the preprocessed calibration samples, when data was used.</param>
    public static void Apply(Model model, string recipe, string? calibration = null, string? calibrationDigest = null)
    {
        model.Proto.ProducerName = "quanta";
        model.Proto.ProducerVersion = StaticQuantizer.Version;
        model.SetMetadata("quanta.version", StaticQuantizer.Version);
        model.SetMetadata("quanta.recipe", recipe);
        if (calibration is not null) model.SetMetadata("quanta.calibration", calibration);
        if (calibrationDigest is not null) model.SetMetadata("quanta.calibration.sha256", calibrationDigest);
    }
}
