namespace Quanta.IR.Passes;

/// <summary>Fills value_info with inferred types and shapes (see <see cref="ShapeInference"/>).</summary>
internal sealed class InferShapes : IGraphPass
{
    public string Name => "InferShapes";

    /// <summary>Returns the number of tensors whose type is now known.</summary>
    public int Apply(Model model)
    {
        var types = ShapeInference.Infer(model);
        int known = 0;
        foreach (var n in model.Graph.Nodes)
            foreach (var o in n.Output)
                if (o.Length > 0 && types.TryGetValue(o, out var t) && t.ElemType != 0) known++;
        return known;
    }
}
