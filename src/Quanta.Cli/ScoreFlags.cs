using System.CommandLine;
using Quanta.Analysis;

namespace Quanta.Cli;

/// <summary>
/// How a candidate is scored against the float model: <c>--metric top1|agreement|cosine|sqnr</c>
/// (eval also: <c>perplexity</c>) and the output to score (<c>--model-output NAME</c>, also
/// <c>--output</c> on verbs whose <c>--output</c> is not the written model).
/// </summary>
sealed class ScoreFlags(bool outputAlias, bool perplexity = false)
{
    readonly Option<MetricName?> _metric = MetricName.Option("--metric", perplexity);
    readonly Option<string?> _output = OutputOption(outputAlias);

    public static Option<string?> OutputOption(bool outputAlias)
    {
        var option = new Option<string?>("--model-output") { Description = "The model output to score (default: the first output)" };
        if (outputAlias) option.Aliases.Add("--output");
        return option;
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_metric);
        command.Options.Add(_output);
    }

    public Metric? Metric(ParseResult parse) => parse.GetValue(_metric)?.Metric;

    /// <summary>eval's one metric that scores a model alone on text rather than against a float model.</summary>
    public bool IsPerplexity(ParseResult parse) => parse.GetValue(_metric)?.IsPerplexity == true;

    public string? Output(ParseResult parse) => parse.GetValue(_output);

    public ScoreOptions Options(ParseResult parse, int batchSize) => new(batchSize, Output(parse), Metric(parse));
}

/// <summary>
/// What <c>--metric</c> names: a <see cref="Analysis.Metric"/>, scored against the float model, or
/// (eval only) perplexity, a language model scored alone on text, which is no <see cref="Analysis.Metric"/>.
/// </summary>
sealed record MetricName(Metric? Metric)
{
    const string Perplexity = "perplexity";

    public bool IsPerplexity => Metric is null;

    public static Option<MetricName?> Option(string name, bool perplexity) =>
        EnumOption.Choice<MetricName?>(name,
            "top1 (labelled data), agreement (argmax matches the float model's), cosine, or sqnr; default: top1 with labels, agreement for class scores, cosine otherwise" +
            (perplexity ? "; perplexity: a language model alone, on --text" : ""),
            [.. EnumOption.Names<Metric>(), .. perplexity ? [Perplexity] : Array.Empty<string>()],
            (string text, out MetricName? value) =>
            {
                value = OptionNames.TryParse(text, out Metric metric) ? new MetricName(metric)
                    : perplexity && text.Trim().Equals(Perplexity, StringComparison.OrdinalIgnoreCase) ? new MetricName((Metric?)null)
                    : null;
                return value is not null;
            }, null);
}
