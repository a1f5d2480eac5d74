using Quanta.IR;

namespace Quanta.Quantization;

/// <summary>
/// Walks the graph in topological order and asks each node's <see cref="IOpQuantizer"/> what
/// quantizing it needs; the recipe's op-type filter, exclusions and per-node overrides decide
/// which nodes are asked at all. Producers are planned before consumers, so pass-through ops
/// and activation fusion see their input's decision. Arithmetic ops are quantized only where
/// their integer form pays (<see cref="IntegerReach"/>). Control-flow bodies are planned the same way.
/// </summary>
public static class Planner
{
    /// <param name="unobserved">
    /// Tensors calibration never saw (a branch the data never took): nodes that read or write one stay float.
    /// </param>
    public static QuantPlan Plan(Graph graph, ResolvedRecipe recipe, IReadOnlySet<string>? unobserved = null)
    {
        var plan = new QuantPlan();
        var opTypes = recipe.OpTypes is null ? null : new HashSet<string>(recipe.OpTypes, StringComparer.OrdinalIgnoreCase);
        var exclude = new Glob(recipe.Exclude);
        PlanScope(graph, recipe, opTypes, exclude, unobserved, plan);
        return plan;
    }

    /// <summary>
    /// Plans again without the nodes around tensors that <paramref name="observed"/> does not hold, until every
    /// activation left to quantize was observed (skipping a node can change what its neighbours declare).
    /// </summary>
    public static QuantPlan WithoutUnobserved(Graph graph, ResolvedRecipe recipe, QuantPlan plan, Func<string, bool> observed)
    {
        var unobserved = new HashSet<string>();
        for (int round = 0; round < 8; round++)
        {
            var missing = plan.TensorsToCalibrate.Where(t => !observed(t)).ToList();
            if (missing.Count == 0) return plan;
            unobserved.UnionWith(missing);
            plan = Plan(graph, recipe, unobserved);
        }
        throw new InvalidOperationException("planning around unobserved tensors did not settle"); // a planner bug, not bad input
    }

    /// <summary>
    /// Plans one graph; an If/Loop/Scan body is planned as a graph of its own right after its node, so
    /// the outer tensors it reads are already decided. All scopes share one plan (names are unique across them).
    /// </summary>
    static void PlanScope(Graph graph, ResolvedRecipe recipe, HashSet<string>? opTypes, Glob exclude, IReadOnlySet<string>? unobserved, QuantPlan plan)
    {
        var builder = new PlanBuilder(graph, recipe, plan);
        var reach = new IntegerReach(graph);
        foreach (var node in graph.TopologicalOrder())
        {
            foreach (var body in graph.BodiesOf(node)) PlanScope(body, recipe, opTypes, exclude, unobserved, plan);
            if (Graph.HasBodies(node)) continue; // the control-flow node itself computes nothing to quantize
            builder.Begin(node);
            var quantizer = OpRegistry.For(node.Domain, node.OpType);
            if (quantizer is null) { builder.KeepFloat("no quantized form"); continue; }
            if (recipe.ForcedFloat.TryGetValue(node.Output[0], out var why)) { builder.KeepFloat(why); continue; }
            if (opTypes is not null && !opTypes.Contains(node.OpType)) { builder.KeepFloat("op type not selected"); continue; }
            if (exclude.Matches(node.Name)) { builder.KeepFloat("excluded"); continue; }
            if (builder.Override(node)?.Quantize == false) { builder.KeepFloat("kept float by the recipe"); continue; }
            if (!builder.IsFloat(node.Output[0])) { builder.KeepFloat("not a float computation"); continue; }
            if (unobserved is not null && node.Input.Concat(node.Output).Any(unobserved.Contains))
            {
                builder.KeepFloat("did not run during calibration (a branch the data never took)");
                continue;
            }
            if (quantizer.Kind == OpKind.Arithmetic && builder.Override(node)?.Quantize != true && reach.WhyFloat(node, builder) is { } floatIsFaster)
            {
                builder.KeepFloat(floatIsFaster);
                continue;
            }
            if (quantizer.Annotate(node, builder)) builder.Plan.MarkQuantized(node);
        }
    }
}
