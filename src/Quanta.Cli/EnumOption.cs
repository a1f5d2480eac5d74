using System.CommandLine;

namespace Quanta.Cli;

/// <summary>
/// Typed options over the library's enums: the values are the members' names in lower case (any case
/// accepted), an unknown value is a parse error listing them (exit 2), and the default comes from
/// the library's options record, so the command line repeats neither the names nor the defaults.
/// </summary>
static class EnumOption
{
    public static Option<T> Create<T>(string name, string description, T defaultValue) where T : struct, Enum
    {
        var option = new Option<T>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            HelpName = string.Join("|", Enum.GetValues<T>().Select(Name)),
        };
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return defaultValue;
            string text = result.Tokens[0].Value;
            foreach (var value in Enum.GetValues<T>())
                if (Name(value).Equals(text, StringComparison.OrdinalIgnoreCase)) return value;
            result.AddError($"{name}: expected {string.Join(", ", Enum.GetValues<T>().Select(Name))}, got '{text}'");
            return defaultValue;
        };
        return option;
    }

    /// <summary>The command-line spelling of <paramref name="value"/>.</summary>
    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
