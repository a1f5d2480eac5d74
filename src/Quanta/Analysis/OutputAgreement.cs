namespace Quanta.Analysis;

/// <summary>
/// How closely the quantized model's output follows the float model's: SQNR and cosine over all
/// values, the mean per-sample cosine, how often the argmax over the last axis is the same (per
/// sample of [N,C], per step of [N,T,C]), the mean KL divergence between their softmaxes over that
/// axis (float ‖ quantized, nats), and each model's top-1 accuracy when the data has labels.
/// </summary>
public sealed record OutputAgreement(
    string Output,
    int Samples,
    double SqnrDb,
    double Cosine,
    double Top1Agreement,
    double MeanKl,
    double? FloatTop1,
    double? QuantizedTop1,
    double MeanCosine)
{
    /// <summary>The score under <paramref name="metric"/>, in points (see <see cref="Metric"/>).</summary>
    public double Points(Metric metric) => Metrics.Points(this, metric);
}
