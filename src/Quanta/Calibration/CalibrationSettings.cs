namespace Quanta.Calibration;

/// <summary>Knobs of the calibration methods; each method reads only its own.</summary>
/// <param name="Percentile">Percentile kept by <see cref="CalibrationMethod.Percentile"/>, in (50, 100].</param>
/// <param name="Sigmas">k of <see cref="CalibrationMethod.MeanStd"/>: mean ± k·σ.</param>
/// <param name="Momentum">EMA constant of <see cref="CalibrationMethod.MovingAverage"/>, in (0, 1].</param>
/// <param name="Bins">Histogram bins (a power of two) for Percentile, Entropy and Mse.</param>
public sealed record CalibrationSettings(double Percentile = 99.99, float Sigmas = 3, float Momentum = 0.01f, int Bins = Histogram.DefaultBins);
