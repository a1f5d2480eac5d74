using Quanta.Calibration;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>`--method auto`'s score table: every candidate, its output fidelity, which were kept, and why.</summary>
static class AutoTable
{
    public static void Print(IAnsiConsole console, AutoChoice auto)
    {
        if (auto.Trials.Count > 0)
        {
            var table = Printer.Table("candidate ranges", "output SQNR (dB)", "top-1 agreement", "kept");
            foreach (var t in auto.Trials)
                table.AddCells(t.Candidate, $"{t.SqnrDb:0.00}", Printer.Percent(t.Agreement), t.Kept ? "yes" : t.Note);
            table.Caption = new TableTitle(Markup.Escape(
                $"--method auto: scored against the float model on {auto.ScoredSamples} {(auto.HeldOut ? "held-out " : "")}calibration samples, ranked by {(auto.ByAgreement ? "top-1 agreement, then output SQNR" : "output SQNR")}"));
            console.Write(table);
        }
        string tensors = auto.Tensors.Count == 0 ? "" : " (" + string.Join(", ", auto.Tensors.Select(kv => $"{kv.Key}: {OptionNames.Of(kv.Value)}")) + ")";
        console.WriteLine($"calibration chosen: {OptionNames.Of(auto.Method)}{tensors}. {auto.Why}");
    }
}
