namespace Quanta.Analysis;

/// <summary>
/// How closely the quantized model's final output follows the float model's: SQNR and cosine of the
/// scores, how often the top-1 class is the same, the mean KL divergence between their softmaxes
/// (float ‖ quantized, nats), and each model's top-1 accuracy when the data has labels.
/// </summary>
public sealed record OutputAgreement(
    string Output,
    int Samples,
    double SqnrDb,
    double Cosine,
    double Top1Agreement,
    double MeanKl,
    double? FloatTop1,
    double? QuantizedTop1);
