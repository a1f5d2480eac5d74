namespace Quanta.Training.Train;

/// <summary>What a training run did.</summary>
public sealed record TrainSummary(
    int Steps,
    int StepsPerEpoch,
    int ResumedFromStep,
    double Seconds,
    double ImagesPerSecond,
    double FirstLoss,
    double LastLoss,
    double LastAccuracy);
