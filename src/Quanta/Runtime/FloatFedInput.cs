using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Runtime;

/// <summary>
/// <see cref="ModelRunner"/> feeds one float input; a language model takes int64 token ids.
/// This returns a copy whose input is float and cast to the original integer type first thing,
/// so token ids (exact in float up to 2^24) travel through the float data path unchanged.
/// Models with a float input come back as they are.
/// </summary>
public static class FloatFedInput
{
    public static Model Apply(Model model)
    {
        var inputs = model.Graph.RealInputs.ToList();
        if (inputs.Count != 1 || inputs[0].Type?.TensorType is not { } tt || tt.ElemType is not (DataTypes.Int64 or DataTypes.Int32))
            return model;
        var copy = model.Clone();
        var g = copy.Graph;
        var input = g.RealInputs.Single();
        string original = input.Name, fed = g.UniqueName(original + "_float");
        g.ReplaceAllUses(original, fed);
        int type = input.Type.TensorType.ElemType;
        g.AddNode(NodeKit.Node("Cast", g.UniqueName(original + "_cast"), [original], [fed], NodeKit.Int("to", type)));
        // Consumers now read the cast's output; the graph input keeps its name and becomes float.
        input.Type.TensorType.ElemType = DataTypes.Float;
        g.SortTopologically();
        g.Changed();
        return copy;
    }
}
