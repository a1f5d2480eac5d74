using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization;

/// <summary>
/// Writes a calibrated <see cref="QuantPlan"/> into the graph in QDQ form: one shared
/// QuantizeLinear/DequantizeLinear pair after each quantized activation, weights and biases
/// stored as integers behind a DequantizeLinear, and fused Relu/Clip nodes removed. MatMul/Gemm
/// nodes the plan quantizes dynamically get their integer weights and run-time input quantization.
/// </summary>
public static class QdqWriter
{
    /// <summary>Opset that introduced int16/uint16/int4/uint4 and blocked quantization in QuantizeLinear/DequantizeLinear.</summary>
    const int WideTypesOpset = 21;

    public static void Apply(Model model, QuantPlan plan)
    {
        var root = model.Graph;
        string qdqDomain = ChooseDomain(model, plan);
        // A fused Relu/Clip disappears: its producer writes the activation's output name instead.
        foreach (var fused in plan.FusedActivations.GroupBy(a => root.ScopeOf(a) ?? root))
        {
            var scope = fused.Key;
            foreach (var activation in fused) scope.RenameOutput(scope.Producer(activation.Input[0])!, activation.Input[0], activation.Output[0]);
            scope.RemoveNodes(fused.ToHashSet());
        }

        var written = new HashSet<string>();
        foreach (var t in plan.Tensors.Values)
        {
            // Q/DQ go where the tensor is defined (a control-flow body or the main graph); readers in nested bodies see them by name.
            var g = root.DefiningScope(t.Name) ?? root;
            switch (t.Role)
            {
                case TensorRole.Activation: QuantizeActivation(g, plan, t, qdqDomain, written); break;
                case TensorRole.Weight:
                case TensorRole.Bias: QuantizeConstant(g, plan, t, qdqDomain); break;
            }
        }
        DynamicMatMuls.Apply(model, plan);
        // Folded Clips leave their min/max constants behind, quantized weights their float originals;
        // runtimes warn about unused initializers.
        foreach (var g in root.Scopes().ToList())
        {
            g.RemoveUnused();
            g.SortTopologically();
        }
    }

    /// <summary>
    /// Standard QDQ ops know int16/uint16/int4/uint4 from opset 21. Raising the opset is safe when no
    /// op in the graph changed meaning since the model's opset (<see cref="OpsetChanges"/>); otherwise
    /// ONNX Runtime's com.microsoft QuantizeLinear/DequantizeLinear carry those types.
    /// </summary>
    static string ChooseDomain(Model model, QuantPlan plan)
    {
        bool wide = plan.Params.Values.Any(p => p.Type is QuantType.Int16 or QuantType.UInt16 or QuantType.Int4 or QuantType.UInt4);
        if (!wide || OpsetChanges.TryRaise(model, WideTypesOpset)) return "";
        if (model.Opset("com.microsoft") == 0) model.SetOpset("com.microsoft", 1);
        return "com.microsoft";
    }

    static void QuantizeActivation(Graph g, QuantPlan plan, TensorPlan t, string domain, HashSet<string> written)
    {
        string source = plan.ParamsSource(t.Name);
        var p = plan.Params[source];
        // Tensors that share parameters share the scale and zero point initializers too.
        if (written.Add(source)) AddScaleAndZeroPoint(g, source, p);
        var readers = g.Consumers(t.Name).ToList();
        string quantized = TensorNames.Quantized(t.Name), dequantized = TensorNames.Dequantized(t.Name);
        g.AddNode(Node("QuantizeLinear", domain, TensorNames.QuantizeNode(t.Name),
            [t.Name, TensorNames.Scale(source), TensorNames.ZeroPoint(source)], quantized, p.Axis));
        g.AddNode(Node("DequantizeLinear", domain, TensorNames.DequantizeNode(t.Name),
            [quantized, TensorNames.Scale(source), TensorNames.ZeroPoint(source)], dequantized, p.Axis));
        foreach (var reader in readers) g.ReplaceInput(reader, t.Name, dequantized);
    }

    static void QuantizeConstant(Graph g, QuantPlan plan, TensorPlan t, string domain)
    {
        var tensor = g.Initializer(t.Name)!;
        var p = plan.Params[t.Name];
        var values = Tensors.ToFloats(tensor);
        var shape = tensor.Dims.ToArray();
        var q = new int[values.Length];
        QuantMath.Quantize(values, p, shape, q);
        g.AddInitializer(Tensors.FromRaw(TensorNames.Quantized(t.Name), p.Type.OnnxDataType(), shape, QuantMath.ToBytes(q, p.Type)));
        AddScaleAndZeroPoint(g, t.Name, p);
        var readers = g.Consumers(t.Name).ToList();
        string dequantized = TensorNames.Dequantized(t.Name);
        g.AddNode(Node("DequantizeLinear", domain, TensorNames.DequantizeNode(t.Name),
            [TensorNames.Quantized(t.Name), TensorNames.Scale(t.Name), TensorNames.ZeroPoint(t.Name)], dequantized, p.Axis, p.BlockSize));
        // The float original, now unread, goes with the rest in RemoveUnused (one pass, not one per weight).
        foreach (var reader in readers) g.ReplaceInput(reader, t.Name, dequantized);
    }

    static void AddScaleAndZeroPoint(Graph g, string tensor, QuantParams p)
    {
        long[] dims = p.PerTensor ? [] : p.BlockSize > 0 ? BlockedParamShape(g, tensor, p) : [p.Scale.Length];
        g.AddInitializer(Tensors.FromFloats(TensorNames.Scale(tensor), dims, p.Scale));
        g.AddInitializer(Tensors.FromRaw(TensorNames.ZeroPoint(tensor), p.Type.OnnxDataType(), dims, QuantMath.ToBytes(p.ZeroPoint, p.Type)));
    }

    static long[] BlockedParamShape(Graph g, string tensor, QuantParams p) =>
        QuantMath.ParamShape(p, g.Initializer(tensor)!.Dims.ToArray());

    static NodeProto Node(string op, string domain, string name, string[] inputs, string output, int? axis, int blockSize = 0)
    {
        var node = new NodeProto { OpType = op, Domain = domain, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (axis is { } a) node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        if (blockSize > 0) node.Attribute.Add(new AttributeProto { Name = "block_size", Type = AttributeProto.Types.AttributeType.Int, I = blockSize });
        return node;
    }
}
