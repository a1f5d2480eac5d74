namespace Quanta.Analysis;

/// <summary>
/// How far one quantized tensor is from its float counterpart, over every compared value.
/// <see cref="SqnrDb"/> and <see cref="Cosine"/> compare the quantized model's tensor with the float
/// model's (so upstream error is included); <see cref="LocalSqnrDb"/> quantizes the float tensor
/// with this tensor's own parameters (this tensor's rounding and clipping alone).
/// <see cref="ClippingRatio"/> is the share of float values outside the quantized range.
/// </summary>
public sealed record TensorError(
    string Tensor,
    QuantizedKind Kind,
    string Node,
    string OpType,
    long Elements,
    double SqnrDb,
    double LocalSqnrDb,
    double Cosine,
    double MaxAbsError,
    double MeanAbsError,
    double ClippingRatio,
    float RangeMin,
    float RangeMax);
