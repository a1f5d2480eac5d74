using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>Results go to stdout (a table for people, one JSON object with --json); everything else to stderr.</summary>
static class Printer
{
    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Json(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), JsonOptions));

    public static IAnsiConsole Stdout { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    public static IAnsiConsole Stderr { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static void Note(string line) => Console.Error.WriteLine(line);

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in columns) table.AddColumn(c);
        return table;
    }

    /// <summary>Adds a row of plain text cells (no markup: model and tensor names may hold brackets).</summary>
    public static void AddCells(this Table table, params string[] cells) =>
        table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)).ToArray());

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.00} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };

    public static string Percent(double fraction) => $"{fraction * 100:0.00} %";
}
