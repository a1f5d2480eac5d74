using System.CommandLine;
using Quanta.Analysis;

namespace Quanta.Cli;

/// <summary>
/// How a candidate is scored against the float model: <c>--metric top1|agreement|cosine|sqnr</c>
/// and the output to score (<c>--model-output NAME</c>, also <c>--output</c> on verbs whose
/// <c>--output</c> is not the written model).
/// </summary>
sealed class ScoreFlags(bool outputAlias)
{
    readonly Option<string?> _metric = new("--metric")
    {
        Description = "top1 (labelled data), agreement (argmax matches the float model's), cosine, or sqnr; default: top1 with labels, agreement for class scores, cosine otherwise (eval also: perplexity with --text)",
    };
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

    public Metric? Metric(ParseResult parse) => parse.GetValue(_metric) is { } m ? Metrics.Parse(m) : null;

    /// <summary>eval's one metric that scores a model alone on text rather than against a float model.</summary>
    public bool IsPerplexity(ParseResult parse) => string.Equals(parse.GetValue(_metric), "perplexity", StringComparison.OrdinalIgnoreCase);

    public string? Output(ParseResult parse) => parse.GetValue(_output);

    public ScoreOptions Options(ParseResult parse, int batchSize) => new(batchSize, Output(parse), Metric(parse));
}
