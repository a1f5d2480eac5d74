using Quanta.IR;

namespace Quanta.Quantization;

/// <summary>
/// Walks the graph in topological order and asks each node's <see cref="IOpQuantizer"/> what
/// quantizing it needs; the recipe's op-type filter, exclusions and per-node overrides decide
/// which nodes are asked at all. Producers are planned before consumers, so pass-through ops
/// and activation fusion see their input's decision. Control-flow bodies are planned the same way.
/// </summary>
public static class Planner
{
    public static QuantPlan Plan(Graph graph, ResolvedRecipe recipe)
    {
        var plan = new QuantPlan();
        var opTypes = recipe.OpTypes is null ? null : new HashSet<string>(recipe.OpTypes, StringComparer.OrdinalIgnoreCase);
        PlanScope(graph, recipe, opTypes, plan);
        return plan;
    }

    /// <summary>
    /// Plans one graph; an If/Loop/Scan body is planned as a graph of its own right after its node, so
    /// the outer tensors it reads are already decided. All scopes share one plan (names are unique across them).
    /// </summary>
    static void PlanScope(Graph graph, ResolvedRecipe recipe, HashSet<string>? opTypes, QuantPlan plan)
    {
        var builder = new PlanBuilder(graph, recipe, plan);
        foreach (var node in graph.TopologicalOrder())
        {
            foreach (var body in graph.BodiesOf(node)) PlanScope(body, recipe, opTypes, plan);
            if (Graph.HasBodies(node)) continue; // the control-flow node itself computes nothing to quantize
            builder.Begin(node);
            var quantizer = OpRegistry.For(node.Domain, node.OpType);
            if (quantizer is null) { builder.KeepFloat("no quantized form"); continue; }
            if (opTypes is not null && !opTypes.Contains(node.OpType)) { builder.KeepFloat("op type not selected (--op-types)"); continue; }
            if (recipe.Exclude.Any(p => Glob.Matches(p, node.Name))) { builder.KeepFloat("excluded (--exclude)"); continue; }
            if (builder.Override(node)?.Quantize == false) { builder.KeepFloat("kept float by the recipe"); continue; }
            if (!builder.IsFloat(node.Output[0])) { builder.KeepFloat("not a float computation"); continue; }
            if (quantizer.Annotate(node, builder)) builder.Plan.QuantizedNodes.Add(node);
        }
    }
}
