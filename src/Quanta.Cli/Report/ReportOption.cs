using System.CommandLine;

namespace Quanta.Cli.Report;

/// <summary>The --report DIR option shared by quantize, compare, tune and bench.</summary>
static class ReportOption
{
    public static Option<string?> Create() =>
        new("--report") { Description = "Write DIR/report.html: summary, per-layer SQNR, activation histograms (self-contained)" };

    /// <summary>Creates the option and adds it to <paramref name="command"/> (one line in each verb).</summary>
    public static Option<string?> AddTo(Command command)
    {
        var option = Create();
        command.Options.Add(option);
        return option;
    }
}
