using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx.Proto;

namespace Quanta.Calibration;

/// <summary>
/// The model to run for observing <paramref name="Model"/>'s tensors, and which tensor each of its
/// outputs carries (output name → tensor name; main-graph tensors are their own outputs).
/// </summary>
internal sealed record TappedModel(Model Model, IReadOnlyDictionary<string, string> TensorOf);

/// <summary>
/// ONNX Runtime can only return main-graph tensors, so a tensor inside an If/Loop/Scan body is
/// observed where it runs by threading it out, scope by scope, as an extra output: of an If, as a
/// new output of both branches (the branch not taken returns an empty tensor of the same element
/// type, which observers skip); of a Loop or Scan, as a new scan output (every iteration's values,
/// stacked). The outermost copy becomes a graph output that maps back to the inner name.
/// </summary>
internal static class BodyTaps
{
    public static TappedModel Expose(Model model, IEnumerable<string> tensors)
    {
        if (!model.Graph.Nodes.Any(Graph.HasBodies)) return new TappedModel(model, tensors.Distinct().ToDictionary(t => t, t => t));
        var tapped = model.Clone();
        var root = tapped.Graph;
        var tensorOf = new Dictionary<string, string>();
        foreach (var tensor in tensors)
        {
            var scope = root.DefiningScope(tensor);
            if (scope is null || scope.Parent is null) { tensorOf[tensor] = tensor; continue; }
            int type = scope.ValueInfo(tensor)?.Type?.TensorType?.ElemType ?? Onnx.DataTypes.Float;
            string output = ThreadOut(scope, tensor, type);
            root.Outputs.Add(Typed(output, type));
            root.Changed();
            tensorOf[output] = tensor;
        }
        return new TappedModel(tapped, tensorOf);
    }

    /// <summary>Makes <paramref name="tensor"/> of <paramref name="body"/> visible one scope out at a time; returns its main-graph name.</summary>
    static string ThreadOut(Graph body, string tensor, int type)
    {
        string current = tensor;
        for (var g = body; g.Parent is { } parent; g = parent)
        {
            var owner = parent.Nodes.First(n => n.Attribute.Any(a => ReferenceEquals(a.G, g.Proto) || a.Graphs.Any(s => ReferenceEquals(s, g.Proto))));
            // A body output must be a value the body computes: an Identity also covers body inputs and outer names.
            string inside = g.UniqueName(tensor + "_tap");
            g.Proto.Node.Add(NodeKit.Node("Identity", g.UniqueName(tensor + "_tap_identity"), [current], [inside]));
            g.Outputs.Add(Typed(inside, type));
            switch (owner.OpType)
            {
                case "If": AddEmptyOutput(OtherBranch(owner, g.Proto), parent, tensor, type); break;
                case "Loop": break; // outputs after the loop-carried ones are scan outputs
                case "Scan":
                    AppendIfPresent(owner, "scan_output_axes");
                    AppendIfPresent(owner, "scan_output_directions");
                    break;
                default: throw QuantaException.BadInput($"node '{Graph.Describe(owner)}': cannot observe tensors inside a {owner.OpType} body");
            }
            current = parent.UniqueName(tensor + "_tap_out");
            owner.Output.Add(current);
            g.Changed();
        }
        return current;
    }

    static GraphProto OtherBranch(NodeProto ifNode, GraphProto branch)
    {
        var then = ifNode.Attribute.First(a => a.Name == "then_branch").G;
        return ReferenceEquals(then, branch) ? ifNode.Attribute.First(a => a.Name == "else_branch").G : then;
    }

    /// <summary>The branch not holding the tensor returns an empty tensor in the same output position.</summary>
    static void AddEmptyOutput(GraphProto branch, Graph parent, string tensor, int type)
    {
        string name = parent.UniqueName(tensor + "_tap_empty");
        var empty = new TensorProto { Name = "", DataType = type };
        empty.Dims.Add(0);
        branch.Node.Add(NodeKit.Node("Constant", parent.UniqueName(name + "_constant"), [], [name],
            new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = empty }));
        branch.Output.Add(Typed(name, type));
    }

    static void AppendIfPresent(NodeProto scan, string attribute)
    {
        if (NodeKit.Attr(scan, attribute) is { } a) a.Ints.Add(0);
    }

    static ValueInfoProto Typed(string name, int type) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type } } };
}
