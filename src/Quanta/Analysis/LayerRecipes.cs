using Quanta.Numerics;
using Quanta.Quantization;

namespace Quanta.Analysis;

/// <summary>How a layer is raised above the starting recipe, lowest cost first.</summary>
public enum Precision { Start, Weights8, Activations16, Float }

/// <summary>Per-node recipe overrides that keep layers float, quantize only some, or raise their precision.</summary>
internal static class LayerRecipes
{
    /// <summary>Everything float except <paramref name="layer"/> (the "*" rule comes first, so the layer's own entries win).</summary>
    public static ResolvedRecipe Only(ResolvedRecipe recipe, Layer layer)
    {
        var nodes = new Dictionary<string, NodeOverride>(recipe.Nodes) { ["*"] = new NodeOverride(Quantize: false) };
        foreach (var n in layer.Nodes) nodes[n] = new NodeOverride(Quantize: true);
        return recipe with { Nodes = nodes };
    }

    /// <summary><paramref name="layers"/> raised to <paramref name="precision"/>, everything else as in <paramref name="recipe"/>.</summary>
    public static ResolvedRecipe Raise(ResolvedRecipe recipe, IEnumerable<Layer> layers, Precision precision)
    {
        var nodes = new Dictionary<string, NodeOverride>(recipe.Nodes);
        var o = Override(recipe, precision);
        if (o is null) return recipe;
        foreach (var layer in layers)
            foreach (var n in layer.Nodes) nodes[n] = o;
        return recipe with { Nodes = nodes };
    }

    public static NodeOverride? Override(ResolvedRecipe recipe, Precision precision) => precision switch
    {
        Precision.Weights8 => new NodeOverride(WeightType: WideWeights(recipe)),
        Precision.Activations16 => new NodeOverride(ActivationType: recipe.ActivationType.IsSigned() ? QuantType.Int16 : QuantType.UInt16, WeightType: WideWeights(recipe)),
        Precision.Float => new NodeOverride(Quantize: false),
        _ => null,
    };

    /// <summary>The levels worth trying above <paramref name="recipe"/>: 8-bit weights only when it uses fewer bits.</summary>
    public static List<Precision> Ladder(ResolvedRecipe recipe)
    {
        var ladder = new List<Precision>();
        if (recipe.WeightType.Bits() < 8) ladder.Add(Precision.Weights8);
        if (recipe.ActivationType.Bits() < 16) ladder.Add(Precision.Activations16);
        ladder.Add(Precision.Float);
        return ladder;
    }

    static QuantType WideWeights(ResolvedRecipe recipe) =>
        recipe.WeightType.Bits() >= 8 ? recipe.WeightType : recipe.WeightType.IsSigned() ? QuantType.Int8 : QuantType.UInt8;
}
