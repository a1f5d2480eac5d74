namespace Quanta.Calibration;

/// <summary>What an observer can tell <see cref="CalibrationResult"/> besides its range.</summary>
internal interface IStatsSource
{
    float Min { get; }
    float Max { get; }
    Histogram? Histogram { get; }
}
