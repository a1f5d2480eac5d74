using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR.Passes;

/// <summary>
/// Replaces computations on constants by their results. Two kinds of node fold:
/// <list type="bullet">
/// <item>integer shape arithmetic whose value shape inference already knows exactly (a Shape of a
/// static tensor, a Gather of a static dim of a dynamic one…): written directly. Values that
/// involve a symbolic dim such as the batch are unknown numbers, so they never fold;</item>
/// <item>deterministic nodes whose inputs are all constant: evaluated by ONNX Runtime itself, in one
/// session for the whole constant subgraph, so results match the runtime bit for bit.</item>
/// </list>
/// Outputs over <see cref="MaxOutputBytes"/> stay computed (an Expand of a scalar to a huge tensor
/// would bloat the file). Quantize/Dequantize nodes are kept: folding DequantizeLinear(w) would
/// turn quantized weights back into floats.
/// </summary>
internal sealed class ConstantFolding : IGraphPass
{
    public string Name => "ConstantFolding";

    public long MaxOutputBytes { get; init; } = 64L << 20;

    static readonly HashSet<string> NonDeterministic =
        ["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"];

    static readonly HashSet<string> Preserved = ["QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Constant"];

    public int Apply(Model model)
    {
        var graph = model.Graph;
        var state = ShapeInference.Run(model);
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        // From IR 4 on, an initializer also listed as a graph input is a default the caller may override.
        var overridable = model.Proto.IrVersion >= 4 ? new HashSet<string>(graph.Inputs.Select(i => i.Name)) : [];
        var constants = new Dictionary<string, TensorProto>();
        foreach (var t in graph.Initializers) if (!overridable.Contains(t.Name)) constants[t.Name] = t;

        var direct = new List<(NodeProto Node, List<TensorProto> Results)>();
        var evaluate = new List<NodeProto>();
        var evaluated = new HashSet<string>();
        foreach (var node in graph.TopologicalOrder())
        {
            if (!node.IsStandard() || node.HasSubgraph() || NonDeterministic.Contains(node.OpType) || Preserved.Contains(node.OpType)) continue;
            if (node.Output.Any(o => o.Length == 0 || outputs.Contains(o))) continue;
            if (KnownValues(node, state) is { } results)
            {
                direct.Add((node, results));
                foreach (var t in results) constants[t.Name] = t;
                continue;
            }
            if (node.Input.Count == 0 || node.Input.Any(i => i.Length > 0 && !constants.ContainsKey(i) && !evaluated.Contains(i))) continue;
            if (!node.Output.All(o => FitsCap(state.Types.GetValueOrDefault(o)))) continue;
            evaluate.Add(node);
            foreach (var o in node.Output) evaluated.Add(o);
        }
        if (direct.Count == 0 && evaluate.Count == 0) return 0;

        var foldedNodes = new HashSet<NodeProto>(direct.Select(d => d.Node).Concat(evaluate));
        var newTensors = direct.SelectMany(d => d.Results).ToList();
        if (evaluate.Count > 0)
        {
            // Only tensors read outside the folded set need materializing.
            var boundary = evaluate.SelectMany(n => n.Output)
                .Where(o => graph.Consumers(o).Any(c => !foldedNodes.Contains(c))).ToList();
            var results = Evaluate(model, evaluate, constants, boundary, state.Types);
            if (results is null)
            {
                foreach (var n in evaluate) foldedNodes.Remove(n);
                evaluate.Clear();
            }
            else newTensors.AddRange(results);
        }

        var inputsOfFolded = foldedNodes.SelectMany(n => n.Input).ToHashSet();
        foreach (var n in foldedNodes) graph.Proto.Node.Remove(n);
        foreach (var t in newTensors)
        {
            graph.Proto.Initializer.Add(t);
            var info = graph.Proto.ValueInfo.FirstOrDefault(v => v.Name == t.Name);
            if (info is not null) graph.Proto.ValueInfo.Remove(info);
        }
        graph.Changed();
        int dead = RemoveDeadProducers(graph, inputsOfFolded, outputs);
        // Folded nodes may leave initializers nobody reads any more.
        foreach (var name in inputsOfFolded)
            if (graph.IsInitializer(name) && graph.Consumers(name).Count == 0 && !outputs.Contains(name) && !graph.Inputs.Any(i => i.Name == name))
                graph.RemoveInitializer(name);
        return foldedNodes.Count + dead;
    }

    /// <summary>
    /// Removes nodes that fed only folded nodes (a Shape of a dynamic tensor whose static dim was
    /// all that was read), following their inputs upward; nothing else in the graph is touched.
    /// </summary>
    static int RemoveDeadProducers(Graph graph, HashSet<string> candidates, HashSet<string> outputs)
    {
        int removed = 0;
        var work = new Stack<string>(candidates);
        while (work.Count > 0)
        {
            var producer = graph.Producer(work.Pop());
            if (producer is null || !producer.IsStandard() || producer.HasSubgraph() || NonDeterministic.Contains(producer.OpType)) continue;
            if (producer.Output.Any(o => o.Length > 0 && (graph.Consumers(o).Count > 0 || outputs.Contains(o)))) continue;
            graph.RemoveNode(producer);
            removed++;
            foreach (var i in producer.Input) if (i.Length > 0) work.Push(i);
        }
        return removed;
    }

    bool FitsCap(TensorTypeInfo? t)
    {
        if (t is null || t.ElementCount < 0) return false;
        int bits = DataTypes.BitsPerElement(t.ElemType);
        return bits > 0 && (t.ElementCount * bits + 7) / 8 <= MaxOutputBytes;
    }

    /// <summary>Constants for every output when inference tracked each one as plain numbers.</summary>
    static List<TensorProto>? KnownValues(NodeProto node, InferenceState state)
    {
        var results = new List<TensorProto>();
        foreach (var o in node.Output)
        {
            if (!state.Values.TryGetValue(o, out var values) || !state.Types.TryGetValue(o, out var type)) return null;
            if (type.Shape is not { Length: <= 1 } shape || type.ElementCount != values.Length) return null;
            var numbers = new long[values.Length];
            for (int i = 0; i < numbers.Length; i++)
            {
                if (!values[i].IsNumber) return null;
                numbers[i] = values[i].Number;
            }
            long[] dims = shape.Length == 0 ? [] : [numbers.Length];
            TensorProto? t = type.ElemType switch
            {
                DataTypes.Int64 => Tensors.FromInt64s(o, dims, numbers),
                DataTypes.Int32 => Tensors.FromInt32s(o, dims, numbers.Select(v => (int)v).ToArray()),
                DataTypes.Bool or DataTypes.UInt8 or DataTypes.Int8 => Tensors.FromRaw(o, type.ElemType, dims, numbers.Select(v => (byte)v).ToArray()),
                _ => null,
            };
            if (t is null) return null;
            results.Add(t);
        }
        return results;
    }

    /// <summary>Runs the constant subgraph in one ONNX Runtime session; null when it cannot be built.</summary>
    static List<TensorProto>? Evaluate(Model model, List<NodeProto> nodes, Dictionary<string, TensorProto> constants,
        List<string> outputs, Dictionary<string, TensorTypeInfo> types)
    {
        if (outputs.Count == 0) return [];
        var graph = new GraphProto { Name = "constant_subgraph" };
        var produced = new HashSet<string>(nodes.SelectMany(n => n.Output));
        var added = new HashSet<string>();
        foreach (var n in nodes)
        {
            graph.Node.Add(n.Clone());
            foreach (var i in n.Input)
                if (i.Length > 0 && !produced.Contains(i) && added.Add(i)) graph.Initializer.Add(constants[i]);
        }
        foreach (var o in outputs)
            graph.Output.Add(new ValueInfoProto { Name = o, Type = ShapeInference.ToTypeProto(types[o]) });
        var proto = new ModelProto { IrVersion = Math.Max(model.Proto.IrVersion, 4), Graph = graph };
        proto.OpsetImport.AddRange(model.Proto.OpsetImport.Select(o => o.Clone()));
        if (ModelIO.SerializedBytes(proto) >= ModelIO.ProtobufLimit) return null;

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, // failures come back as exceptions (one line from the CLI); ORT's own log would print a second
        };
        try
        {
            using var session = new InferenceSession(ModelIO.ToBytes(proto), options);
            using var run = new RunOptions();
            using var values = session.Run(run, Array.Empty<string>(), Array.Empty<OrtValue>(), outputs);
            var result = new List<TensorProto>(outputs.Count);
            for (int k = 0; k < outputs.Count; k++)
            {
                var info = values[k].GetTensorTypeAndShape();
                if (info.ElementDataType == TensorElementType.String) return null;
                result.Add(Tensors.FromRaw(outputs[k], (int)info.ElementDataType, info.Shape, values[k].GetTensorMutableRawData()));
            }
            return result;
        }
        catch (OnnxRuntimeException)
        {
            // A subgraph ORT cannot run as-is (an op it lacks, a type it rejects) is simply not folded.
            return null;
        }
    }
}
