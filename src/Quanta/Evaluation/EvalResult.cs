namespace Quanta.Evaluation;

/// <summary>Classification accuracy of a model on labelled data.</summary>
public sealed record EvalResult(
    int Count,
    double Top1,
    double Top5,
    int[] PerClassCount,
    double[] PerClassTop1,
    double Seconds)
{
    public double SamplesPerSecond => Seconds > 0 ? Count / Seconds : 0;
}
