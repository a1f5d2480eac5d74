using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quanta;

/// <summary>
/// The name users type for an enum member where it is not the member's name in lower case
/// (<c>moving-average</c>, <c>weight-only</c>), and other spellings also accepted (<c>kl</c>, <c>qop</c>, <c>u8</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class OptionNameAttribute(string name, params string[] aliases) : Attribute
{
    public string Name { get; } = name;
    public string[] Aliases { get; } = aliases;

    /// <summary>
    /// A member the library uses but users never choose (<c>QuantType.Int32</c>, only a bias container):
    /// it keeps its name for messages and output, but is neither parsed nor listed among the choices.
    /// </summary>
    public bool Internal { get; set; }
}

/// <summary>
/// The one mapping between an option enum and the names users type, shared by recipe JSON, model
/// metadata, messages and the command line: a member's name is its <see cref="OptionNameAttribute"/>
/// or its identifier in lower case; parsing ignores case and also accepts the aliases. Members marked
/// <see cref="OptionNameAttribute.Internal"/> have a name but are not choices.
/// </summary>
public static class OptionNames
{
    /// <summary>The name users type for <paramref name="value"/>.</summary>
    public static string Of<T>(T value) where T : struct, Enum => Table<T>.Names[value];

    /// <summary>Every member users may choose, in declaration order.</summary>
    public static IReadOnlyList<T> Values<T>() where T : struct, Enum => Table<T>.Choices;

    /// <summary>"a, b or c": the names of the choices, for messages.</summary>
    public static string Expected<T>() where T : struct, Enum => Expected(Table<T>.Choices.Select(Of).ToList());

    /// <summary>"a, b or c".</summary>
    public static string Expected(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    public static bool TryParse<T>(string text, out T value) where T : struct, Enum =>
        Table<T>.ByName.TryGetValue(text.Trim(), out value);

    /// <summary>The member named <paramref name="text"/>; a bad-input error naming <paramref name="what"/> and the names otherwise.</summary>
    public static T Parse<T>(string text, string what) where T : struct, Enum =>
        TryParse(text, out T value) ? value : throw QuantaException.BadInput($"unknown {what} '{text}' (expected {Expected<T>()})");

    static class Table<T> where T : struct, Enum
    {
        public static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v => Attribute(v)?.Name ?? v.ToString().ToLowerInvariant());
        public static readonly T[] Choices = Enum.GetValues<T>().Where(v => Attribute(v)?.Internal != true).ToArray();
        public static readonly Dictionary<string, T> ByName = Build();

        static Dictionary<string, T> Build()
        {
            var byName = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
            foreach (var v in Choices)
            {
                byName[Names[v]] = v;
                foreach (var alias in Attribute(v)?.Aliases ?? []) byName[alias] = v;
            }
            return byName;
        }

        static OptionNameAttribute? Attribute(T value) =>
            typeof(T).GetField(value.ToString(), BindingFlags.Public | BindingFlags.Static)?.GetCustomAttribute<OptionNameAttribute>();
    }
}

/// <summary>Reads and writes an option enum by the name users type (see <see cref="OptionNames"/>); put on the enum type.</summary>
public sealed class OptionNameJsonConverter<T> : JsonConverter<T> where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is not null && OptionNames.TryParse(text, out T value)) return value;
        throw new JsonException($"unknown {typeof(T).Name} '{text}' (expected {OptionNames.Expected<T>()})");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(OptionNames.Of(value));
}
