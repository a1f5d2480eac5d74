namespace Quanta.Calibration;

/// <summary>How an activation's clipping range is chosen from calibration data.</summary>
public enum CalibrationMethod { MinMax, MovingAverage, MeanStd, Percentile, Entropy, Mse }
