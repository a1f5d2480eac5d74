using Google.Protobuf;
using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// A bfloat16 model after its weights are quantized: ONNX Runtime's CPU kernels (MatMulNBits,
/// Softmax, Add…) take float and float16 but not bfloat16, so what is left computes in float:
/// bfloat16 initializers (embedding tables, norms, scalars) become float one at a time (each moved
/// to the spill file of a streamed model before the next is read), Casts to bfloat16 cast to
/// float, and the model keeps its bfloat16 interface through a Cast after each bfloat16 input and
/// before each bfloat16 output. Scales of the quantized layers are written in float for the same reason.
/// </summary>
static class BFloat16Widening
{
    public static bool Applies(Model model) =>
        model.Graph.Scopes().Any(s => s.Initializers.Any(t => t.DataType == DataTypes.BFloat16))
        || model.Graph.Inputs.Concat(model.Graph.Outputs).Any(IsBFloat16);

    /// <summary>Rewrites the model in place; returns how many tensors were widened.</summary>
    public static int Apply(Model model, TensorSpill? spill)
    {
        int widened = 0;
        foreach (var scope in model.Graph.Scopes().ToList())
        {
            foreach (var t in scope.Initializers.Where(t => t.DataType == DataTypes.BFloat16).ToList())
            {
                Widen(t);
                widened++;
                spill?.Offload(scope);
            }
            foreach (var node in scope.Nodes)
                foreach (var a in node.Attribute)
                {
                    if (node.OpType == "Cast" && a.Name == "to" && a.I == DataTypes.BFloat16) a.I = DataTypes.Float;
                    if (a.T is { DataType: DataTypes.BFloat16 } value) { Widen(value); widened++; }
                }
            foreach (var v in scope.Proto.ValueInfo.Where(IsBFloat16)) v.Type.TensorType.ElemType = DataTypes.Float;
        }

        var g = model.Graph;
        foreach (var input in g.RealInputs.Where(IsBFloat16).ToList())
        {
            string wide = g.UniqueName(input.Name + "_float");
            g.ReplaceAllUses(input.Name, wide);
            g.Proto.Node.Insert(0, NodeKit.Node("Cast", g.UniqueName(input.Name + "_to_float"), [input.Name], [wide], NodeKit.Int("to", DataTypes.Float)));
        }
        foreach (var output in g.Outputs.Where(IsBFloat16).ToList())
        {
            string name = output.Name, wide = g.UniqueName(name + "_float");
            if (g.Producer(name) is not { } producer) continue; // an input passed straight through stays as it is
            g.RenameOutput(producer, name, wide);
            foreach (var n in g.Nodes) for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == name) n.Input[i] = wide;
            g.AddNode(NodeKit.Node("Cast", g.UniqueName(name + "_to_bfloat16"), [wide], [name], NodeKit.Int("to", DataTypes.BFloat16)));
        }
        g.Changed();
        return widened;
    }

    static bool IsBFloat16(ValueInfoProto v) => v.Type?.TensorType?.ElemType == DataTypes.BFloat16;

    /// <summary>The tensor's values as float, in place (its name and shape kept; bytes read from disk when it is there).</summary>
    static void Widen(TensorProto t)
    {
        var values = Tensors.ToFloats(t);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.ExternalData.Clear();
        t.DataLocation = TensorProto.Types.DataLocation.Default;
        t.Int32Data.Clear();
        t.FloatData.Clear();
        t.DataType = DataTypes.Float;
        t.RawData = ByteString.CopyFrom(bytes);
    }
}
