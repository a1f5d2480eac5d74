using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Analysis;

/// <summary>One model input or output: name, element type and shape ("N" for symbolic dims).</summary>
public sealed record TensorSignature(string Name, string Type, string[] Shape);

/// <summary>What `quanta inspect` reports about a model.</summary>
public sealed record ModelInfo(
    string Path,
    long FileBytes,
    long IrVersion,
    string Producer,
    Dictionary<string, long> Opsets,
    TensorSignature[] Inputs,
    TensorSignature[] Outputs,
    int NodeCount,
    SortedDictionary<string, int> OpTypes,
    long Parameters,
    SortedDictionary<string, long> BytesByType,
    Dictionary<string, string> Metadata)
{
    public static ModelInfo Of(Model model, long fileBytes)
    {
        var g = model.Graph;
        var ops = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in g.Nodes)
        {
            string key = n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}";
            ops[key] = ops.GetValueOrDefault(key) + 1;
        }
        var bytes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long parameters = 0;
        foreach (var t in g.Initializers)
        {
            parameters += Tensors.ElementCount(t);
            string type = DataTypes.Name(t.DataType);
            bytes[type] = bytes.GetValueOrDefault(type) + Tensors.ByteSize(t);
        }
        return new ModelInfo(
            model.Source, fileBytes, model.Proto.IrVersion,
            string.Join(" ", new[] { model.Proto.ProducerName, model.Proto.ProducerVersion }.Where(s => s.Length > 0)),
            model.Proto.OpsetImport.ToDictionary(o => o.Domain is "" ? "ai.onnx" : o.Domain, o => o.Version),
            g.RealInputs.Select(Signature).ToArray(),
            g.Outputs.Select(Signature).ToArray(),
            g.Nodes.Count, ops, parameters, bytes,
            model.Proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value));
    }

    static TensorSignature Signature(ValueInfoProto v)
    {
        var tt = v.Type?.TensorType;
        var shape = tt?.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.HasDimParam ? d.DimParam : "?").ToArray() ?? [];
        return new TensorSignature(v.Name, tt is null ? "?" : DataTypes.Name(tt.ElemType), shape);
    }
}
