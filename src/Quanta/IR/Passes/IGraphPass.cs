namespace Quanta.IR.Passes;

/// <summary>
/// One rewrite of a model in place. The pipeline clones the caller's model once before
/// the first pass, so a pass may mutate what it is given; after a direct edit of the
/// protobuf it calls <see cref="Graph.Changed"/>. A pass preserves the model's outputs
/// (up to float rounding) and leaves the node list topologically sorted.
/// </summary>
internal interface IGraphPass
{
    string Name { get; }
    /// <summary>Applies the pass; returns how many rewrites it made (0 = nothing to do).</summary>
    int Apply(Model model);
}
