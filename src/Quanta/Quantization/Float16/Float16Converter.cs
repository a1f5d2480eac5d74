using System.Diagnostics;
using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Float16;

/// <summary>
/// Converts a float model to float16 or bfloat16 compute. Each node either runs at 16 bits or
/// stays float (block list, or no ONNX Runtime kernel); tensors take the precision of the node
/// that writes them, and one shared Cast is inserted where a tensor meets a reader of the other
/// precision — so Casts appear only at the model boundary and around float islands. Weights are
/// stored at 16 bits either way (a float reader gets one Cast per weight).
/// </summary>
public static class Float16Converter
{
    /// <summary>Float constants at most this small that only float nodes read stay float (shape and scale constants).</summary>
    const int SmallConstant = 64;

    public static ModeResult Convert(Model input, Float16Options options)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        var clock = Stopwatch.StartNew();
        var model = PassPipeline.Run(input, PassPipeline.Normalize, out _);
        var g = model.Graph;
        var p = options.Precision;
        int low = p.OnnxDataType();
        var types = ElementTypes(g);
        int TypeOf(string name) => types.GetValueOrDefault(name);
        bool TouchesFloat(NodeProto n) => n.Input.Concat(n.Output).Any(t => t.Length > 0 && TypeOf(t) == DataTypes.Float);

        // 1. Decide which nodes run at 16 bits.
        var blocked = new HashSet<string>(Float16Options.DefaultBlockList.Concat(options.OpBlockList), StringComparer.Ordinal);
        var coverage = new KernelCoverage(model, p);
        var lowNodes = new HashSet<NodeProto>();
        var kept = new List<KeptFloat>();
        var original = g.Nodes.ToList();
        foreach (var n in original)
        {
            if (options.WeightsOnly || !TouchesFloat(n)) continue;
            if (blocked.Contains(n.OpType)) kept.Add(new KeptFloat(n.Name, n.OpType, "op block list"));
            else if (!coverage.Has(n, TypeOf)) kept.Add(new KeptFloat(n.Name, n.OpType, $"no {p.Name()} kernel in ONNX Runtime (CPU)"));
            else lowNodes.Add(n);
        }

        DemoteIsolatedMovement(g, lowNodes, kept);

        // 2. Tensors written by 16-bit nodes become 16-bit; graph inputs too unless float I/O is kept.
        var lowTensors = new HashSet<string>();
        foreach (var n in lowNodes)
            foreach (var o in n.Output) if (o.Length > 0 && TypeOf(o) == DataTypes.Float) lowTensors.Add(o);
        if (!options.KeepIoTypes && !options.WeightsOnly)
            foreach (var i in g.RealInputs) if (TypeOf(i.Name) == DataTypes.Float) lowTensors.Add(i.Name);

        // 3. A 16-bit graph output gets a float copy under its own name, so callers see float32.
        var tails = new List<(string From, string To)>();
        if (options.KeepIoTypes)
            foreach (var o in g.Outputs.Where(o => lowTensors.Contains(o.Name)).ToList())
            {
                string renamed = g.UniqueName(o.Name + "_" + p.Name());
                foreach (var n in original)
                {
                    for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == o.Name) n.Input[i] = renamed;
                    for (int i = 0; i < n.Output.Count; i++) if (n.Output[i] == o.Name) n.Output[i] = renamed;
                }
                lowTensors.Remove(o.Name);
                lowTensors.Add(renamed);
                types[renamed] = DataTypes.Float;
                tails.Add((renamed, o.Name));
            }

        // 4. Weights: stored at 16 bits; float readers go through one Cast each.
        var lowWeights = new HashSet<string>();
        foreach (var t in g.Initializers.ToList())
        {
            if (t.DataType != DataTypes.Float || g.IsGraphInput(t.Name)) continue;
            var readers = g.Consumers(t.Name);
            bool anyLow = readers.Any(lowNodes.Contains);
            if (!anyLow && Tensors.ElementCount(t) <= SmallConstant) continue;
            var values = Tensors.ToFloats(t);
            t.DataType = low;
            t.RawData = Google.Protobuf.ByteString.CopyFrom(p.ToBytes(values));
            t.FloatData.Clear();
            lowWeights.Add(t.Name);
            lowTensors.Add(t.Name);
        }

        // 5. Casts where a tensor meets a reader of the other precision (one per tensor and direction).
        var casts = new Dictionary<(string, bool), string>();
        string CastOf(string tensor, bool toLow)
        {
            if (casts.TryGetValue((tensor, toLow), out var name)) return name;
            name = g.UniqueName(tensor + (toLow ? "_" + p.Name() : "_float"));
            g.Proto.Node.Add(NodeKit.Node("Cast", g.UniqueName(tensor + "_Cast"), [tensor], [name], NodeKit.Int("to", toLow ? low : DataTypes.Float)));
            casts[(tensor, toLow)] = name;
            return name;
        }
        foreach (var n in original)
        {
            bool isLow = lowNodes.Contains(n);
            for (int i = 0; i < n.Input.Count; i++)
            {
                string t = n.Input[i];
                if (t.Length == 0 || TypeOf(t) != DataTypes.Float && !lowWeights.Contains(t)) continue;
                bool tensorLow = lowTensors.Contains(t);
                if (isLow != tensorLow) n.Input[i] = CastOf(t, isLow);
            }
            if (!isLow) continue;
            // Nodes that name float in their attributes now produce the 16-bit type.
            if (n.OpType == "Cast" && NodeKit.Attr(n, "to") is { } to && to.I == DataTypes.Float) to.I = low;
            if (n.OpType == "ConstantOfShape" && NodeKit.Attr(n, "value") is { T: { DataType: DataTypes.Float } v })
                NodeKit.SetAttr(n, new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Retyped(v, p) });
        }
        foreach (var (from, to) in tails)
            g.Proto.Node.Add(NodeKit.Node("Cast", g.UniqueName(to + "_Cast"), [from], [to], NodeKit.Int("to", DataTypes.Float)));

        // 6. Declared types follow.
        foreach (var v in g.Proto.ValueInfo.Concat(g.Proto.Input).Concat(g.Proto.Output))
            if (lowTensors.Contains(v.Name) && v.Type?.TensorType is { } tt && tt.ElemType == DataTypes.Float) tt.ElemType = low;
        g.Changed();
        g.SortTopologically();

        string recipe = options.Describe();
        ModelStamp.Apply(model, recipe);
        var converted = lowNodes.GroupBy(n => n.OpType).ToDictionary(x => x.Key, x => x.Count());
        var notes = new List<string>();
        var missing = kept.Where(k => k.Reason.StartsWith("no ")).Select(k => k.OpType).Distinct().Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0) notes.Add($"ONNX Runtime (CPU) has no {p.Name()} kernel for: {string.Join(", ", missing)}; these stay float");
        if (!options.WeightsOnly && lowNodes.All(n => Movement.Contains(n.OpType)))
            throw new QuantaException($"nothing would run in {p.Name()}: ONNX Runtime (CPU) has no {p.Name()} kernel for {string.Join(", ", missing)}", FailureKind.NotMet);
        return new ModeResult(model, options.WeightsOnly ? "weights-" + p.Name() : p.Name(), recipe, converted, kept, notes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Ops that only move or select values: worth running at 16 bits only inside a 16-bit region.</summary>
    static readonly HashSet<string> Movement =
    [
        "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Concat", "Gather", "Slice", "Split",
        "Expand", "Shape", "Cast", "MaxPool", "Pad", "Tile", "Where",
    ];

    /// <summary>
    /// A data-movement node none of whose inputs comes from a 16-bit node would only add a pair of
    /// Casts around itself; it stays float (repeated until nothing changes, so chains follow).
    /// </summary>
    static void DemoteIsolatedMovement(Graph g, HashSet<NodeProto> lowNodes, List<KeptFloat> kept)
    {
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var n in lowNodes.Where(n => Movement.Contains(n.OpType)).ToList())
            {
                if (n.Input.Any(i => i.Length > 0 && g.Producer(i) is { } p && lowNodes.Contains(p))) continue;
                lowNodes.Remove(n);
                kept.Add(new KeptFloat(n.Name, n.OpType, "moves float values between float ops"));
                changed = true;
            }
        }
    }

    /// <summary>Element type of every tensor the graph declares or holds (0 = unknown).</summary>
    static Dictionary<string, int> ElementTypes(Graph g)
    {
        var types = new Dictionary<string, int>();
        foreach (var v in g.Proto.Input.Concat(g.Proto.ValueInfo).Concat(g.Proto.Output))
            if (v.Type?.TensorType is { } tt) types[v.Name] = tt.ElemType;
        foreach (var t in g.Initializers) types[t.Name] = t.DataType;
        return types;
    }

    static TensorProto Retyped(TensorProto t, LowPrecision p)
    {
        var values = Tensors.ToFloats(t);
        return Tensors.FromRaw(t.Name, p.OnnxDataType(), t.Dims.ToArray(), p.ToBytes(values));
    }
}
