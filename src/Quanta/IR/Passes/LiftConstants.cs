using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR.Passes;

/// <summary>
/// Turns Constant nodes of the main graph into initializers, so that later passes find every
/// constant in one place. Sparse constants are left as they are (initializers cannot hold them
/// without a sparse_initializer, which ONNX Runtime handles poorly); so is a Constant that is
/// itself a graph output, because an initializer cannot be one.
/// </summary>
internal sealed class LiftConstants : IGraphPass
{
    public string Name => "LiftConstants";

    public int Apply(Model model)
    {
        var graph = model.Graph;
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        bool listInputs = model.Proto.IrVersion < 4; // before IR 4 every initializer is also a graph input
        int lifted = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.OpType != "Constant" || !node.IsStandard() || node.Output.Count != 1) continue;
            string name = node.Output[0];
            if (outputs.Contains(name)) continue;
            var tensor = ValueOf(node);
            if (tensor is null) continue;
            tensor.Name = name;
            graph.Proto.Node.Remove(node);
            graph.Proto.Initializer.Add(tensor);
            if (listInputs) graph.Proto.Input.Add(new ValueInfoProto { Name = name, Type = ShapeInference.ToTypeProto(new TensorTypeInfo(tensor.DataType, tensor.Dims.Select(Dim.Of).ToArray())) });
            // The value_info of a lifted tensor would now duplicate the initializer's own type.
            var info = graph.Proto.ValueInfo.FirstOrDefault(v => v.Name == name);
            if (info is not null) graph.Proto.ValueInfo.Remove(info);
            lifted++;
        }
        if (lifted > 0) graph.Changed();
        return lifted;
    }

    /// <summary>The tensor a Constant node holds, whichever value attribute it uses; null for sparse ones.</summary>
    internal static TensorProto? ValueOf(NodeProto node)
    {
        foreach (var a in node.Attribute)
        {
            switch (a.Name)
            {
                case "value": return a.T?.Clone();
                case "value_float": return Tensors.Scalar("", a.F);
                case "value_floats": return Tensors.FromFloats("", [a.Floats.Count], a.Floats.ToArray());
                case "value_int": return Tensors.FromInt64s("", [], [a.I]);
                case "value_ints": return Tensors.FromInt64s("", [a.Ints.Count], a.Ints.ToArray());
                case "value_string":
                {
                    var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.String };
                    t.StringData.Add(a.S);
                    return t;
                }
                case "value_strings":
                {
                    var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.String };
                    t.Dims.Add(a.Strings.Count);
                    t.StringData.AddRange(a.Strings);
                    return t;
                }
            }
        }
        return null; // sparse_value or malformed
    }
}
