using Quanta.Numerics;
using Quanta.Quantization;

namespace Quanta.Tests.Numerics;

/// <summary>Quantized types are named through OptionNames like every other choice: names and short aliases parse, Int32 (a bias container) is named but never a choice.</summary>
public sealed class QuantTypeNameTests
{
    [Theory]
    [InlineData("uint8", QuantType.UInt8)]
    [InlineData("u8", QuantType.UInt8)]
    [InlineData("int8", QuantType.Int8)]
    [InlineData("s8", QuantType.Int8)]
    [InlineData("I8", QuantType.Int8)]
    [InlineData("uint16", QuantType.UInt16)]
    [InlineData("u16", QuantType.UInt16)]
    [InlineData("Int16", QuantType.Int16)]
    [InlineData("s16", QuantType.Int16)]
    [InlineData("i16", QuantType.Int16)]
    [InlineData("uint4", QuantType.UInt4)]
    [InlineData("U4", QuantType.UInt4)]
    [InlineData("int4", QuantType.Int4)]
    [InlineData("s4", QuantType.Int4)]
    [InlineData("i4", QuantType.Int4)]
    public void Every_name_and_alias_parses_in_any_case(string text, QuantType expected)
    {
        Assert.True(OptionNames.TryParse(text, out QuantType type));
        Assert.Equal(expected, type);
    }

    [Fact]
    public void Int32_keeps_its_name_but_is_neither_parsed_nor_listed()
    {
        Assert.Equal("int32", QuantType.Int32.Name());
        Assert.False(OptionNames.TryParse("int32", out QuantType _));
        Assert.DoesNotContain(QuantType.Int32, OptionNames.Values<QuantType>());
        Assert.Equal("uint8, int8, uint16, int16, uint4 or int4", OptionNames.Expected<QuantType>());
        var e = Assert.Throws<QuantaException>(() => OptionNames.Parse<QuantType>("int32", "quantized type"));
        Assert.Equal("unknown quantized type 'int32' (expected uint8, int8, uint16, int16, uint4 or int4)", e.Message);
    }

    [Fact]
    public void A_recipe_file_asking_for_int32_is_bad_input_listing_only_the_choices()
    {
        var e = Assert.Throws<QuantaException>(() => QuantRecipe.FromJson("""{ "weightType": "int32" }""", "r.json"));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("r.json", e.Message);
        Assert.Contains("expected uint8, int8, uint16, int16, uint4 or int4)", e.Message);
    }
}
