using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Float16;

/// <summary>
/// Whether ONNX Runtime's CPU provider has a kernel for a node at 16-bit precision, found by
/// trying: the node alone, its float inputs and outputs retyped, is loaded into a session (kernel
/// lookup happens at load). Coverage changes between releases and builds, so it is asked, not
/// listed. Answers are cached per op signature.
/// </summary>
sealed class KernelCoverage(Model model, LowPrecision precision)
{
    readonly Dictionary<string, bool> _cache = new();

    public bool Has(NodeProto node, Func<string, int> elemType)
    {
        var types = node.Input.Select(i => i.Length == 0 ? 0 : Retype(elemType(i))).ToArray();
        var outTypes = node.Output.Select(o => o.Length == 0 ? 0 : Retype(elemType(o))).ToArray();
        string key = $"{node.Domain}:{node.OpType}:{string.Join(",", types)}>{string.Join(",", outTypes)}:{AttributeKey(node)}";
        if (_cache.TryGetValue(key, out bool known)) return known;
        bool has = Probe(node, types, outTypes);
        _cache[key] = has;
        return has;
    }

    int Retype(int t) => t == DataTypes.Float ? precision.OnnxDataType() : t;

    /// <summary>Only attributes that pick kernels by type (Cast's target) matter for the cache.</summary>
    static string AttributeKey(NodeProto n) => n.OpType == "Cast" ? n.Attribute.FirstOrDefault(a => a.Name == "to")?.I.ToString() ?? "" : "";

    bool Probe(NodeProto node, int[] inputTypes, int[] outputTypes)
    {
        if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)) return false;
        var g = new GraphProto { Name = "probe" };
        var copy = node.Clone();
        copy.Name = "probe";
        for (int i = 0; i < copy.Input.Count; i++)
        {
            if (copy.Input[i].Length == 0) continue;
            if (inputTypes[i] == 0) return false; // unknown type: cannot ask, keep float
            copy.Input[i] = $"in{i}";
            g.Input.Add(Value($"in{i}", inputTypes[i]));
        }
        for (int i = 0; i < copy.Output.Count; i++)
        {
            if (copy.Output[i].Length == 0) continue;
            if (outputTypes[i] == 0) return false;
            copy.Output[i] = $"out{i}";
            g.Output.Add(Value($"out{i}", outputTypes[i]));
        }
        if (copy.OpType == "Cast")
            foreach (var a in copy.Attribute) if (a.Name == "to" && a.I == DataTypes.Float) a.I = precision.OnnxDataType();
        g.Node.Add(copy);
        var proto = new ModelProto { IrVersion = Math.Max(model.Proto.IrVersion, 8), Graph = g };
        proto.OpsetImport.AddRange(model.Proto.OpsetImport.Select(o => o.Clone()));
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            using var session = new InferenceSession(proto.ToByteArray(), options);
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    static ValueInfoProto Value(string name, int type) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type } } };
}
