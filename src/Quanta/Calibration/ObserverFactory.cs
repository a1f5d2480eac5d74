namespace Quanta.Calibration;

/// <summary>Creates the observer of a calibration method.</summary>
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
            _ => throw QuantaException.BadInput($"calibration method {OptionNames.Of(method)} has no single observer"),
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
}
