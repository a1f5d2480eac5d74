using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quanta.Numerics;

/// <summary>Reads and writes a <see cref="QuantType"/> by its name ("uint8", "int4"), as recipes and the command line spell it.</summary>
public sealed class QuantTypeJsonConverter : JsonConverter<QuantType>
{
    public override QuantType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("a quantized type is a string such as \"uint8\" or \"int4\"");
        try
        {
            return QuantTypeInfo.Parse(reader.GetString()!);
        }
        catch (QuantaException e)
        {
            throw new JsonException(e.Message);
        }
    }

    public override void Write(Utf8JsonWriter writer, QuantType value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
}
