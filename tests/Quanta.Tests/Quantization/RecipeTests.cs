using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Quantization;

namespace Quanta.Tests.Quantization;

/// <summary>Recipes are typed end to end: types are enums read once from JSON, and Validate reports every problem.</summary>
public sealed class RecipeTests
{
    [Fact]
    public void Types_in_a_recipe_file_are_read_as_enums_and_written_back_by_name()
    {
        var recipe = QuantRecipe.FromJson("""
            { "format": "q-operator", "activationType": "uint16", "weightType": "s8",
              "nodes": { "/head/*": { "weightType": "int16" }, "/fc": { "quantize": false } } }
            """, "r.json");
        Assert.Equal(QuantFormat.QOperator, recipe.Format);
        Assert.Equal(QuantType.UInt16, recipe.ActivationType);
        Assert.Equal(QuantType.Int8, recipe.WeightType);
        Assert.Equal(QuantType.Int16, recipe.Nodes["/head/*"].WeightType);
        string json = recipe.ToJson();
        Assert.Contains("\"weightType\": \"int8\"", json);
        Assert.Equal(recipe.Nodes["/head/*"], QuantRecipe.FromJson(json, "again").Nodes["/head/*"]);
    }

    [Fact]
    public void An_unknown_type_in_a_recipe_file_is_bad_input_naming_the_file_and_the_type()
    {
        var e = Assert.Throws<QuantaException>(() => QuantRecipe.FromJson("""{ "nodes": { "a": { "activationType": "int7" } } }""", "r.json"));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("r.json", e.Message);
        Assert.Contains("int7", e.Message);
    }

    [Fact]
    public void Validate_reports_every_problem_at_once_naming_properties_not_flags()
    {
        var problems = new QuantRecipe
        {
            Format = QuantFormat.QOperator, ActivationType = QuantType.Int4, Percentile = 10, Sigmas = 0, CalibCount = 0, CalibBatch = 0, SmoothQuant = 2,
        }.Validate();
        Assert.Equal(6, problems.Count);
        foreach (var name in new[] { "ActivationType", "Percentile", "Sigmas", "CalibCount", "CalibBatch", "SmoothQuant" })
            Assert.Contains(problems, p => p.StartsWith(name, StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("--")); // only the command line knows flags
    }

    [Fact]
    public void Options_in_a_recipe_file_use_the_names_users_type_and_are_written_back_by_them()
    {
        var recipe = QuantRecipe.FromJson("""{ "method": "moving-average", "target": "X86-VNNI", "format": "qoperator" }""", "r.json");
        Assert.Equal(CalibrationMethod.MovingAverage, recipe.Method);
        Assert.Same(Targets.X86Vnni, recipe.Target);
        Assert.Equal(QuantFormat.QOperator, recipe.Format);
        string json = recipe.ToJson();
        Assert.Contains("\"method\": \"moving-average\"", json);
        Assert.Contains("\"target\": \"x86-vnni\"", json);
        Assert.Contains("\"format\": \"qoperator\"", json);
        Assert.Equal(recipe, QuantRecipe.FromJson(json, "again") with { Nodes = recipe.Nodes, Exclude = recipe.Exclude });
        Assert.Equal(QuantFormat.QOperator, QuantRecipe.FromJson("""{ "format": "qop" }""", "old.json").Format);
        Assert.Equal(CalibrationMethod.Entropy, QuantRecipe.FromJson("""{ "method": "kl" }""", "old.json").Method);
    }

    [Theory]
    [InlineData("method", "kmeans", "minmax, moving-average, meanstd, percentile, entropy, mse or auto")]
    [InlineData("target", "riscv", "x86-avx2, x86-vnni, arm64 or generic")]
    [InlineData("format", "matmulnbits", "qdq or qoperator")]
    public void An_unknown_option_name_in_a_recipe_file_is_bad_input_listing_the_names(string key, string value, string expected)
    {
        var e = Assert.Throws<QuantaException>(() => QuantRecipe.FromJson($$"""{ "{{key}}": "{{value}}" }""", "r.json"));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("r.json", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
