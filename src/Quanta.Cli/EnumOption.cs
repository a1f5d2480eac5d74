using System.CommandLine;

namespace Quanta.Cli;

/// <summary>
/// Typed options over a closed set of library values (its enums, and records such as
/// <see cref="Quanta.Quantization.Target"/>): the values are the names users type (see
/// <see cref="OptionNames"/>; any case accepted), an unknown value is a parse error listing them
/// (exit 2), and the default comes from the library's options record, so the command line repeats
/// neither the names nor the defaults.
/// </summary>
static class EnumOption
{
    public delegate bool TryParse<T>(string text, out T value);

    /// <summary>An option over an enum whose default is the library's, shown in --help by its name (see <see cref="Named{T}"/>).</summary>
    public static Option<Named<T>> Create<T>(string name, string description, T defaultValue) where T : struct, Enum =>
        Choice(name, description, Names<T>(), (string text, out Named<T> value) =>
        {
            bool known = OptionNames.TryParse(text, out T v);
            value = new(v);
            return known;
        }, new Named<T>(defaultValue));

    /// <summary>An option over an enum that is null when not given (a recipe file or the target decides).</summary>
    public static Option<T?> Optional<T>(string name, string description) where T : struct, Enum =>
        Choice<T?>(name, description, Names<T>(), (string text, out T? value) =>
        {
            bool known = OptionNames.TryParse(text, out T v);
            value = known ? v : null;
            return known;
        }, null);

    /// <summary>An option over any closed set of <paramref name="names"/>; <paramref name="tryParse"/> turns a name into its value.</summary>
    public static Option<T> Choice<T>(string name, string description, IReadOnlyList<string> names, TryParse<T> tryParse, T defaultValue)
    {
        var option = new Option<T>(name) { Description = description, HelpName = string.Join("|", names) };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return defaultValue;
            string text = result.Tokens[0].Value;
            if (tryParse(text, out var value)) return value;
            result.AddError(Error(name, names, text));
            return defaultValue;
        };
        return option;
    }

    /// <summary>The one-line error for a value outside <paramref name="names"/>.</summary>
    public static string Error(string flag, IEnumerable<string> names, string text) => $"{flag}: expected {string.Join(", ", names)}, got '{text}'";

    /// <summary>The names users type for <typeparamref name="T"/>'s members.</summary>
    public static string[] Names<T>() where T : struct, Enum => OptionNames.Values<T>().Select(OptionNames.Of).ToArray();
}

/// <summary>
/// An enum value as an option with a default holds it: --help prints a default with
/// <see cref="object.ToString"/>, which for the bare enum is the C# identifier (<c>Static</c>);
/// this prints the name users type (<c>static</c>).
/// </summary>
readonly record struct Named<T>(T Value) where T : struct, Enum
{
    public override string ToString() => OptionNames.Of(Value);
}
