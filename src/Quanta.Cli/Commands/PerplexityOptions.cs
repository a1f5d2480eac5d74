using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Cli.Commands;

/// <summary>
/// `eval --metric perplexity --text FILE [--seq N]`: a language model's perplexity on a text file (byte tokens,
/// windows of --seq) or on token ids its own tokenizer made (.npy/.npz [windows, seq]).
/// </summary>
sealed class PerplexityOptions
{
    readonly Option<string?> _text = new("--text") { Description = "perplexity: a text file (byte-level tokens: token id = byte value), or .npy/.npz token ids [windows, seq] from the model's tokenizer" };
    readonly Option<int> _seq = new("--seq") { Description = "perplexity: tokens per window (default 128); each window predicts its own next tokens", DefaultValueFactory = _ => ByteTextDataset.DefaultSeq };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _text, _seq }) command.Options.Add(o);
    }

    /// <param name="batch">Windows per run (eval's --batch).</param>
    public int Run(ParseResult parse, string modelPath, int? count, int batch, int threads, bool json)
    {
        string text = parse.GetValue(_text) ?? throw QuantaException.BadInput("--text: required for --metric perplexity (a text file)");
        var m = Model.Load(modelPath);
        IDataset windows = text.EndsWith(".txt", StringComparison.OrdinalIgnoreCase)
            ? new ByteTextDataset(text, parse.GetValue(_seq), count)
            : DataSource.Open(text, new DataOptions(Preprocessing.Identity, count));
        var r = ProgressDisplay.Run(p => Perplexity.Evaluate(m, windows, new RuntimeOptions(threads), batch, p));
        if (json)
            Printer.Json(new { model = m.Source, text = windows.Description, r.Windows, r.Tokens, perplexity = r.Value, r.MeanNll, r.BitsPerToken, r.Seconds, r.TokensPerSecond });
        else
        {
            var table = Printer.Table("model", "text", "tokens predicted", "perplexity", "bits/token", "time");
            table.AddCells(m.Source, windows.Description, r.Tokens.ToString("N0"), $"{r.Value:0.0000}", $"{r.BitsPerToken:0.0000}", $"{r.Seconds:0.00} s ({r.TokensPerSecond:0} tokens/s)");
            Printer.Stdout.Write(table);
        }
        return 0;
    }
}
