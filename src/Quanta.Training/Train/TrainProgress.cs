namespace Quanta.Training.Train;

/// <summary>One training step as reported to the caller: loss and accuracy of the step's batch, throughput since the (re)start.</summary>
public readonly record struct TrainProgress(int Step, int TotalSteps, int Epoch, double Loss, double Accuracy, double ImagesPerSecond, double LearningRate);
