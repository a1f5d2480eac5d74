namespace Quanta.Calibration;

/// <summary>
/// How an activation's clipping range is chosen from calibration data. <see cref="Auto"/> scores
/// MinMax, Percentile, Entropy and Mse ranges end to end and keeps the best (see <see cref="AutoCalibration"/>).
/// </summary>
public enum CalibrationMethod { MinMax, MovingAverage, MeanStd, Percentile, Entropy, Mse, Auto }
