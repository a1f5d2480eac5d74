using System.Text.Json.Serialization;

namespace Quanta.Analysis;

/// <summary>
/// How a model's output is scored against the float model's on the same samples. Every metric is
/// read in points (0–100, higher is better) so one <c>--max-drop</c> serves them all:
/// <list type="bullet">
/// <item><see cref="Top1"/>: accuracy against the labels, in percent;</item>
/// <item><see cref="Agreement"/>: percent of positions (samples of [N,C], steps of [N,T,C]) whose argmax matches the float model's;</item>
/// <item><see cref="Cosine"/>: mean per-sample cosine similarity to the float output, × 100;</item>
/// <item><see cref="Sqnr"/>: 100 − the output's noise power in percent of its signal power (30 dB → 99.9).</item>
/// </list>
/// Named as users type them (see <see cref="OptionNames"/>): top1, agreement, cosine, sqnr.
/// </summary>
[JsonConverter(typeof(OptionNameJsonConverter<Metric>))]
public enum Metric { Top1, Agreement, Cosine, Sqnr }

internal static class Metrics
{
    /// <summary>
    /// The sensible default: top-1 when there are labels, agreement for class scores ([N,C], or
    /// [N,T,C] sequences of a single-output model), cosine for everything else (embeddings, boxes, maps).
    /// </summary>
    public static Metric Default(bool labelled, int outputRank, int outputCount)
    {
        if (labelled && outputRank == 2) return Metric.Top1;
        if (outputRank == 2 || (outputRank == 3 && outputCount == 1)) return Metric.Agreement;
        return Metric.Cosine;
    }

    /// <summary>The candidate's score in points.</summary>
    public static double Points(OutputAgreement a, Metric m) => m switch
    {
        Metric.Top1 => 100 * (a.QuantizedTop1 ?? throw QuantaException.BadInput("Metric top1 needs labelled data and a [batch, classes] output")),
        Metric.Agreement => 100 * a.Top1Agreement,
        Metric.Cosine => 100 * a.MeanCosine,
        _ => 100 - 100 * SensitivityAnalyzer.Noise(a.SqnrDb),
    };

    /// <summary>The float model's own score in points (what a candidate's drop is measured from).</summary>
    public static double ReferencePoints(Metric m, double? floatTop1) => m switch
    {
        Metric.Top1 => 100 * (floatTop1 ?? throw QuantaException.BadInput("Metric top1 needs labelled data and a [batch, classes] output")),
        _ => 100,
    };
}
