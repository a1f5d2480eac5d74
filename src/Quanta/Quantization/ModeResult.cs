using Quanta.IR;

namespace Quanta.Quantization;

/// <summary>
/// What a non-static mode (dynamic, weight-only, fp16/bf16) produced: the model, the one-line
/// recipe stamped into it, which nodes were rewritten (by op type, before → after), which were
/// kept float and why, and notes worth showing (warnings, fallbacks).
/// </summary>
public sealed record ModeResult(
    Model Model,
    string Mode,
    string Recipe,
    Dictionary<string, int> ConvertedByOpType,
    List<KeptFloat> KeptFloat,
    List<string> Notes,
    double TotalSeconds)
{
    public int ConvertedNodes => ConvertedByOpType.Values.Sum();
}
