using System.CommandLine;
using Quanta.Numerics;

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

    /// <summary>An option over an enum whose default is the library's.</summary>
    public static Option<T> Create<T>(string name, string description, T defaultValue) where T : struct, Enum =>
        Choice(name, description, Names<T>(), OptionNames.TryParse, defaultValue);

    /// <summary>An option over an enum that is null when not given (a recipe file or the target decides).</summary>
    public static Option<T?> Optional<T>(string name, string description) where T : struct, Enum =>
        Optional<T>(name, description, Names<T>(), OptionNames.TryParse);

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

    /// <summary>An option over the quantized types a recipe may ask for (aliases such as u8 and s8 accepted); null when not given.</summary>
    public static Option<QuantType?> QuantTypeOption(string name, string description) =>
        Optional<QuantType>(name, description, QuantTypeInfo.Names, QuantTypeInfo.TryParse);

    /// <summary>An option over the closed set <paramref name="names"/> that is null when not given.</summary>
    static Option<T?> Optional<T>(string name, string description, IReadOnlyList<string> names, TryParse<T> tryParse) where T : struct =>
        Choice<T?>(name, description, names, (string text, out T? value) =>
        {
            bool known = tryParse(text, out T v);
            value = known ? v : null;
            return known;
        }, null);

    /// <summary>The one-line error for a value outside <paramref name="names"/>.</summary>
    public static string Error(string flag, IEnumerable<string> names, string text) => $"{flag}: expected {string.Join(", ", names)}, got '{text}'";

    /// <summary>The names users type for <typeparamref name="T"/>'s members.</summary>
    public static string[] Names<T>() where T : struct, Enum => OptionNames.Values<T>().Select(OptionNames.Of).ToArray();
}
