namespace Quanta.Calibration;

/// <summary>Creates observers by method name, as the command line and the pipeline refer to them.</summary>
public static class ObserverFactory
{
    public static IObserver Create(CalibrationMethod method, CalibrationSettings? settings = null)
    {
        var s = settings ?? new CalibrationSettings();
        return method switch
        {
            CalibrationMethod.MinMax => new MinMaxObserver(),
            CalibrationMethod.MovingAverage => new MovingAverageMinMaxObserver(s.Momentum),
            CalibrationMethod.MeanStd => new MeanStdObserver(s.Sigmas),
            CalibrationMethod.Percentile => new PercentileObserver(s.Percentile, s.Bins),
            CalibrationMethod.Entropy => new EntropyObserver(s.Bins),
            CalibrationMethod.Mse => new MseObserver(s.Bins),
            // Auto chooses among the others after scoring them (AutoCalibration); it has no observer of its own.
            _ => throw QuantaException.BadInput($"calibration method {Name(method)} has no single observer"),
        };
    }

    /// <summary>
    /// An observer of a histogram method over saved statistics (so the range can be chosen again, with
    /// another histogram method, without re-running calibration). Null for methods that need more than a histogram.
    /// </summary>
    public static IObserver? FromHistogram(CalibrationMethod method, Histogram histogram, CalibrationSettings? settings = null)
    {
        var s = settings ?? new CalibrationSettings();
        return method switch
        {
            CalibrationMethod.Percentile => new PercentileObserver(histogram, s.Percentile),
            CalibrationMethod.Entropy => new EntropyObserver(histogram),
            CalibrationMethod.Mse => new MseObserver(histogram),
            _ => null,
        };
    }

    /// <summary>Parses the command-line name: auto, minmax, moving-average, meanstd, percentile, entropy, mse.</summary>
    public static CalibrationMethod Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "minmax" or "min-max" => CalibrationMethod.MinMax,
        "moving-average" or "movingaverage" => CalibrationMethod.MovingAverage,
        "meanstd" or "mean-std" => CalibrationMethod.MeanStd,
        "percentile" => CalibrationMethod.Percentile,
        "entropy" or "kl" => CalibrationMethod.Entropy,
        "mse" => CalibrationMethod.Mse,
        "auto" => CalibrationMethod.Auto,
        _ => throw QuantaException.BadInput($"unknown calibration method '{name}' (expected auto, minmax, moving-average, meanstd, percentile, entropy or mse)"),
    };

    /// <summary>The command-line name of a method (inverse of <see cref="Parse"/>).</summary>
    public static string Name(CalibrationMethod method) => method switch
    {
        CalibrationMethod.MinMax => "minmax",
        CalibrationMethod.MovingAverage => "moving-average",
        CalibrationMethod.MeanStd => "meanstd",
        CalibrationMethod.Percentile => "percentile",
        CalibrationMethod.Entropy => "entropy",
        CalibrationMethod.Auto => "auto",
        _ => "mse",
    };
}
