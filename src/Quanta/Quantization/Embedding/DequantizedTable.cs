using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Quantization.WeightOnly;

namespace Quanta.Quantization.Embedding;

/// <summary>
/// The standard-ONNX form of a quantized table, for <c>--format qdq</c>: codes <c>[Rows, Width]</c>
/// as int8/uint8/int4/uint4 behind an opset-21 blocked DequantizeLinear (axis 1, scales
/// <c>[Rows, blocks]</c>), whose output every reader takes in place of the float table — Gathers
/// directly, a tied MatMul through one Transpose, a tied Gemm with transB directly. Any runtime runs
/// it; ONNX Runtime dequantizes the whole table each run, which GatherBlockQuantized avoids.
/// </summary>
static class DequantizedTable
{
    public static void Write(Graph g, EmbeddingTable table, BlockwiseWeight q, bool symmetric)
    {
        int rows = table.Rows, width = table.Width, blocks = q.Blocks, centre = q.Grid.Centre;
        var type = (q.Grid.Bits, symmetric) switch
        {
            (8, true) => QuantType.Int8,
            (8, false) => QuantType.UInt8,
            (_, true) => QuantType.Int4,
            _ => QuantType.UInt4,
        };
        var codes = new int[rows * width];
        for (int i = 0; i < codes.Length; i++) codes[i] = q.Q[i] - (symmetric ? centre : 0);
        string data = NodeKit.AddConstant(g, table.Name + "_quantized", Tensors.FromRaw("", type.OnnxDataType(), [rows, width], QuantMath.ToBytes(codes, type)));
        var inputs = new List<string> { data, NodeKit.AddConstant(g, table.Name + "_scale", Tensors.FromFloats("", [rows, blocks], q.Scales)) };
        if (!symmetric)
        {
            var zeros = q.Zeros.Select(z => (int)z).ToArray();
            inputs.Add(NodeKit.AddConstant(g, table.Name + "_zero_point", Tensors.FromRaw("", type.OnnxDataType(), [rows, blocks], QuantMath.ToBytes(zeros, type))));
        }
        string dequantized = g.UniqueName(table.Name + "_dequantized");
        g.AddNode(NodeKit.Node("DequantizeLinear", g.UniqueName(table.Name + "_DequantizeLinear"), inputs, [dequantized],
            NodeKit.Int("axis", 1), NodeKit.Int("block_size", q.BlockSize)));

        foreach (var gather in table.Gathers) gather.Input[0] = dequantized;
        string? transposed = null;
        foreach (var p in table.Projections)
        {
            if (p.Node.OpType == "Gemm" && (NodeKit.IntAttr(p.Node, "transB") ?? 0) != 0) { p.Node.Input[1] = dequantized; continue; }
            if (transposed is null)
            {
                transposed = g.UniqueName(table.Name + "_dequantized_t");
                g.AddNode(NodeKit.Node("Transpose", g.UniqueName(table.Name + "_transpose"), [dequantized], [transposed], NodeKit.Ints("perm", [1, 0])));
            }
            p.Node.Input[1] = transposed;
        }
        g.Changed();
    }
}
