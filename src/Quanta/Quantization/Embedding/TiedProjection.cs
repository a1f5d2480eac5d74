using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Quantization.Embedding;

/// <summary>
/// An output projection tied to an embedding table: <c>Y = X · Eᵀ (+ bias)</c>, written by exporters
/// as <c>MatMul(X, Transpose(E))</c>, <c>Gemm(X, E, transB=1)</c>, or a MatMul over a stored copy of
/// <c>Eᵀ</c> (exporters that untie the weights, and constant folding of the Transpose, both produce
/// one; it is recognised by value, so the copy is dropped and the table is stored once).
/// </summary>
sealed record TiedProjection(NodeProto Node, string Input, string Output, float[]? Bias)
{
    public static IEnumerable<TiedProjection> FindAll(Graph g, EmbeddingTable table)
    {
        var transposedCopies = new Dictionary<string, bool>();
        foreach (var node in g.Nodes)
        {
            if (!(NodeKit.Is(node, "MatMul") || NodeKit.Is(node, "Gemm")) || node.Input.Count < 2) continue;
            if (node.OpType == "Gemm" && ((NodeKit.IntAttr(node, "transA") ?? 0) != 0 || (NodeKit.FloatAttr(node, "alpha") ?? 1f) != 1f)) continue;
            bool transB = node.OpType == "Gemm" && (NodeKit.IntAttr(node, "transB") ?? 0) != 0;
            string b = node.Input[1];
            bool tied = transB
                ? b == table.Name || IsCopy(g, b, table, transposed: false, transposedCopies)
                : IsTranspose(g, b, table.Name) || IsCopy(g, b, table, transposed: true, transposedCopies);
            if (!tied) continue;
            float[]? bias = null;
            if (node.OpType == "Gemm" && node.Input.Count > 2 && node.Input[2].Length > 0)
            {
                if (EmbeddingTable.FloatConstant(g, node.Input[2]) is not { } c || Tensors.ElementCount(c) != table.Rows) continue;
                bias = Tensors.ToFloats(c);
                float beta = NodeKit.FloatAttr(node, "beta") ?? 1f;
                for (int i = 0; i < bias.Length; i++) bias[i] *= beta;
            }
            yield return new TiedProjection(node, node.Input[0], node.Output[0], bias);
        }
    }

    static bool IsTranspose(Graph g, string tensor, string table) =>
        g.Producer(tensor) is { } t && NodeKit.Is(t, "Transpose") && t.Input[0] == table
        && (NodeKit.IntsAttr(t, "perm") is null or [1, 0]);

    /// <summary>
    /// Whether <paramref name="name"/> is a constant holding the table's values (transposed or not), compared once per name.
    /// Its first row is compared before it is read whole: an untied lm_head (as large as the table) differs there
    /// and is then read once, when it is quantized as a layer, not a second time here.
    /// </summary>
    static bool IsCopy(Graph g, string name, EmbeddingTable table, bool transposed, Dictionary<string, bool> seen)
    {
        if (seen.TryGetValue(name, out bool known)) return known;
        bool same = false;
        if (EmbeddingTable.FloatConstant(g, name) is { } t && t.Dims.Count == 2
            && t.Dims[0] == (transposed ? table.Width : table.Rows) && t.Dims[1] == (transposed ? table.Rows : table.Width))
            same = FirstRowEqual(Tensors.FirstFloats(t, (int)t.Dims[1]), table, transposed) && Equal(Tensors.ToFloats(t), table, transposed);
        seen[name] = same;
        return same;
    }

    /// <summary>The copy's first row against the table: its first row, or its first column for a transposed copy.</summary>
    static bool FirstRowEqual(float[] row, EmbeddingTable table, bool transposed)
    {
        for (int i = 0; i < row.Length; i++)
            if (row[i] != (transposed ? table.Values[i * table.Width] : table.Values[i])) return false;
        return true;
    }

    static bool Equal(float[] copy, EmbeddingTable table, bool transposed)
    {
        int rows = table.Rows, width = table.Width;
        var e = table.Values;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < width; c++)
                if (e[r * width + c] != (transposed ? copy[c * rows + r] : copy[r * width + c])) return false;
        return true;
    }
}
