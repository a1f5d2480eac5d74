using Quanta.Onnx.Proto;
using Quanta.Quantization;

namespace Quanta.Latency;

/// <summary>
/// Cuts a plan's quantized nodes into a few candidate regions for timing. Nodes joined by a tensor
/// (directly, or through a Relu/Clip folded into its producer) form one group: inside a group the
/// integer kernels can hand integers to each other, so a group is the natural unit to keep or drop.
/// Groups are then cut into consecutive stages (topological order, about equal numbers of weighted
/// nodes per stage) until there are <c>maxRegions</c>; when there are more groups than that,
/// consecutive groups are merged instead. Few regions keep the search to seconds; stages follow the
/// way networks are built (stem, blocks, heads come in order).
/// </summary>
public static class RegionFinder
{
    /// <summary>Regions for the smallest models, and the most for any model (bounds the search's timing, see <see cref="Budget(int)"/>).</summary>
    public const int MinRegions = 6, MaxRegions = 16;

    /// <summary>Weighted nodes (convolutions, matrix products) per region when the budget grows with the model.</summary>
    public const int WeightedPerRegion = 4;

    /// <summary>
    /// How many regions to cut a plan into: one per <see cref="WeightedPerRegion"/> weighted nodes, within
    /// <see cref="MinRegions"/>…<see cref="MaxRegions"/>. Finer regions let the convolutions that do pay in int8
    /// (deep layers: many channels, small maps) stay int8 beside the ones that do not; the cap bounds the
    /// search, which times 2 + regions models per round: at most 18 blocks of about 25 ms in each of 11 rounds (≈ 5 s).
    /// </summary>
    public static int Budget(QuantPlan plan)
    {
        var weights = Weights(plan);
        return Budget(plan.QuantizedNodes.Count(n => n.Input.Any(weights.Contains)));
    }

    /// <summary>The region budget of a plan with <paramref name="weightedNodes"/> quantized weighted nodes.</summary>
    public static int Budget(int weightedNodes) => Math.Clamp((weightedNodes + WeightedPerRegion - 1) / WeightedPerRegion, MinRegions, MaxRegions);

    static HashSet<string> Weights(QuantPlan plan) => plan.Tensors.Values.Where(t => t.Role == TensorRole.Weight).Select(t => t.Name).ToHashSet();

    public static List<Region> Find(QuantPlan plan, int maxRegions)
    {
        var nodes = plan.QuantizedNodes;
        if (nodes.Count == 0) return [];
        var weights = Weights(plan);
        bool Weighted(NodeProto n) => n.Input.Any(weights.Contains);

        var groups = Groups(nodes, plan.FusedActivations);
        List<List<NodeProto>> parts;
        if (groups.Count > maxRegions)
            parts = Stages(groups.SelectMany(g => g).ToList(), maxRegions, Weighted, groups);
        else
        {
            // Give each extra region to the group with the most weighted nodes per part.
            var counts = groups.Select(_ => 1).ToArray();
            var load = groups.Select(g => g.Count(Weighted)).ToArray();
            for (int extra = maxRegions - groups.Count; extra > 0; extra--)
            {
                int best = -1;
                for (int i = 0; i < groups.Count; i++)
                    if (load[i] / counts[i] >= 2 && (best < 0 || (double)load[i] / counts[i] > (double)load[best] / counts[best])) best = i;
                if (best < 0) break;
                counts[best]++;
            }
            parts = groups.SelectMany((g, i) => Stages(g, counts[i], Weighted, null)).ToList();
        }
        return parts.Select((p, i) => new Region($"R{i + 1}", p) { WeightedNodes = p.Count(Weighted) }).ToList();
    }

    /// <summary>Connected groups of quantized nodes, each in topological order, ordered by their first node.</summary>
    static List<List<NodeProto>> Groups(IReadOnlyList<NodeProto> nodes, IReadOnlyList<NodeProto> fused)
    {
        var all = nodes.Concat(fused).ToList();
        var index = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < all.Count; i++) index[all[i]] = i;
        var parent = Enumerable.Range(0, all.Count).ToArray();
        int Root(int i)
        {
            while (parent[i] != i) i = parent[i] = parent[parent[i]];
            return i;
        }
        var producer = new Dictionary<string, int>();
        for (int i = 0; i < all.Count; i++)
            foreach (var o in all[i].Output)
                if (o.Length > 0) producer[o] = i;
        for (int i = 0; i < all.Count; i++)
            foreach (var input in all[i].Input)
                if (producer.TryGetValue(input, out int p)) parent[Root(i)] = Root(p);

        // The plan lists quantized nodes in topological order; groups keep it.
        return nodes.GroupBy(n => Root(index[n])).Select(g => g.ToList()).ToList();
    }

    /// <summary>
    /// Cuts <paramref name="ordered"/> into <paramref name="count"/> consecutive parts with about equal
    /// numbers of weighted nodes. With <paramref name="groups"/>, cuts fall only between groups.
    /// </summary>
    static List<List<NodeProto>> Stages(List<NodeProto> ordered, int count, Func<NodeProto, bool> weighted, List<List<NodeProto>>? groups)
    {
        var units = groups ?? ordered.Select(n => new List<NodeProto> { n }).ToList();
        // Every unit weighs at least a little, so parts without weighted nodes still split evenly.
        var weight = units.Select(u => u.Count(weighted) + 0.01 * u.Count).ToArray();
        double total = weight.Sum(), done = 0;
        var parts = new List<List<NodeProto>> { new() };
        for (int i = 0; i < units.Count; i++)
        {
            // Cut where the weight so far reaches the next share, or where every remaining unit must start a part of its own.
            if (parts[^1].Count > 0 && parts.Count < count && (done >= total * parts.Count / count || units.Count - i <= count - parts.Count)) parts.Add(new());
            parts[^1].AddRange(units[i]);
            done += weight[i];
        }
        return parts;
    }
}
