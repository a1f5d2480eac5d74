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
    public void Validate_reports_every_problem_at_once_without_naming_flags_the_cli_does_not_have()
    {
        var problems = new QuantRecipe
        {
            Format = QuantFormat.QOperator, ActivationType = QuantType.Int4, Percentile = 10, Sigmas = 0, CalibCount = 0, CalibBatch = 0, Method = "nonsense",
        }.Validate();
        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Sigmas", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("CalibBatch", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("--sigmas") || p.Contains("--calib-batch"));
    }
}
