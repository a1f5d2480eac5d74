namespace Quanta.Evaluation;

/// <summary>
/// Classification accuracy of a model on labelled data. <see cref="Count"/> and the per-class counts
/// are of labelled rows: samples, or steps for a [batch, steps, classes] output (<see cref="Samples"/> then differs).
/// </summary>
public sealed record EvalResult(
    int Count,
    double Top1,
    double Top5,
    int[] PerClassCount,
    double[] PerClassTop1,
    double Seconds)
{
    /// <summary>Samples evaluated (the model's runs over them); equal to <see cref="Count"/> unless labels are per step.</summary>
    public int Samples { get; init; } = Count;
    public double SamplesPerSecond => Seconds > 0 ? Samples / Seconds : 0;
}
