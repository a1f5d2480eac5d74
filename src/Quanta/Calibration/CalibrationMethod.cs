using System.Text.Json.Serialization;

namespace Quanta.Calibration;

/// <summary>
/// How an activation's clipping range is chosen from calibration data. <see cref="Auto"/> scores
/// MinMax, Percentile, Entropy and Mse ranges end to end and keeps the best (see <see cref="AutoCalibration"/>).
/// Named as users type them (see <see cref="OptionNames"/>): minmax, moving-average, meanstd, percentile, entropy, mse, auto.
/// </summary>
[JsonConverter(typeof(OptionNameJsonConverter<CalibrationMethod>))]
public enum CalibrationMethod
{
    [OptionName("minmax", "min-max")] MinMax,
    [OptionName("moving-average", "movingaverage")] MovingAverage,
    [OptionName("meanstd", "mean-std")] MeanStd,
    Percentile,
    [OptionName("entropy", "kl")] Entropy,
    Mse,
    Auto,
}
