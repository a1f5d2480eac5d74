using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Embedding;

/// <summary>
/// A constant float table <c>E [Rows, Width]</c> read by row lookups (<see cref="Gathers"/>: Gather on
/// axis 0 with integer ids) and, when the model ties its output projection to it, by
/// <see cref="Projections"/> computing <c>x · Eᵀ</c>. Quantizing the table once for all of them
/// keeps a single copy in the file.
/// </summary>
sealed record EmbeddingTable(string Name, int Rows, int Width, float[] Values, List<NodeProto> Gathers, List<TiedProjection> Projections)
{
    /// <summary>
    /// Tables below this many elements are left alone: Gathers over small constants are shape
    /// arithmetic or tiny position tables whose bytes do not matter (BERT's word table has 11.7 M).
    /// </summary>
    public const long MinElements = 65_536;

    /// <summary>Every large constant table that Gathers read, with the projections tied to it.</summary>
    public static List<EmbeddingTable> Find(Graph g, long minElements = MinElements)
    {
        var tables = new Dictionary<string, EmbeddingTable>();
        foreach (var node in g.Nodes)
        {
            if (!NodeKit.Is(node, "Gather") || (NodeKit.IntAttr(node, "axis") ?? 0) != 0) continue;
            string name = node.Input[0];
            if (tables.TryGetValue(name, out var known)) { known.Gathers.Add(node); continue; }
            if (FloatConstant(g, name) is not { } t || t.Dims.Count != 2 || Tensors.ElementCount(t) < minElements) continue;
            if (!IsIntegerIds(g, node.Input[1])) continue;
            tables[name] = new EmbeddingTable(name, (int)t.Dims[0], (int)t.Dims[1], Tensors.ToFloats(t), [node], []);
        }
        foreach (var table in tables.Values) table.Projections.AddRange(TiedProjection.FindAll(g, table));
        return tables.Values.ToList();
    }

    /// <summary>A float initializer that callers cannot override (not also a graph input).</summary>
    internal static TensorProto? FloatConstant(Graph g, string name)
    {
        var t = g.Initializer(name);
        return t is not null && t.DataType == DataTypes.Float && !g.IsGraphInput(name) ? t : null;
    }

    static bool IsIntegerIds(Graph g, string ids)
    {
        int? type = g.Initializer(ids)?.DataType ?? g.ValueInfo(ids)?.Type?.TensorType?.ElemType;
        return type is DataTypes.Int64 or DataTypes.Int32;
    }
}
