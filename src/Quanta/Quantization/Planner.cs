using Quanta.IR;

namespace Quanta.Quantization;

/// <summary>
/// Walks the graph in topological order and asks each node's <see cref="IOpQuantizer"/> what
/// quantizing it needs; the recipe's op-type filter, exclusions and per-node overrides decide
/// which nodes are asked at all. Producers are planned before consumers, so pass-through ops
/// and activation fusion see their input's decision.
/// </summary>
public static class Planner
{
    public static QuantPlan Plan(Graph graph, ResolvedRecipe recipe)
    {
        var builder = new PlanBuilder(graph, recipe);
        var opTypes = recipe.OpTypes is null ? null : new HashSet<string>(recipe.OpTypes, StringComparer.OrdinalIgnoreCase);
        var exclude = new Glob(recipe.Exclude);
        foreach (var node in graph.TopologicalOrder())
        {
            builder.Begin(node);
            var quantizer = OpRegistry.For(node.Domain, node.OpType);
            if (quantizer is null) { builder.KeepFloat("no quantized form"); continue; }
            if (opTypes is not null && !opTypes.Contains(node.OpType)) { builder.KeepFloat("op type not selected (--op-types)"); continue; }
            if (exclude.Matches(node.Name)) { builder.KeepFloat("excluded (--exclude)"); continue; }
            if (builder.Override(node)?.Quantize == false) { builder.KeepFloat("kept float by the recipe"); continue; }
            if (!builder.IsFloat(node.Output[0])) { builder.KeepFloat("not a float computation"); continue; }
            if (quantizer.Annotate(node, builder)) builder.Plan.MarkQuantized(node);
        }
        return builder.Plan;
    }
}
