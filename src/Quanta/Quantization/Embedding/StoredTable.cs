using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Quantization.WeightOnly;

namespace Quanta.Quantization.Embedding;

/// <summary>
/// The initializers of one quantized table, as com.microsoft GatherBlockQuantized reads them:
/// codes uint8 <c>[Rows, Width·bits/8]</c> (4-bit codes two per byte, low nibble first), scales
/// <c>[Rows, blocks]</c>, zero points <c>[Rows, ceil(blocks·bits/8)]</c> packed the same way, or none
/// for symmetric blocks (both ops then use 2^(bits−1)). When blocks tile the rows exactly these are
/// also MatMulNBits's B (seen as <c>[N, blocks, blob]</c>), scales and zero points for <c>x · Eᵀ</c>.
/// </summary>
sealed record StoredTable(string Data, string Scales, string? ZeroPoints, int Rows, int RowBytes)
{
    public static StoredTable Write(Graph g, string table, BlockwiseWeight q, bool symmetric)
    {
        int rows = q.N, rowBytes = q.K * q.Grid.Bits / 8;
        string data = NodeKit.AddConstant(g, table + "_quantized", Tensors.FromOwnedRaw("", DataTypes.UInt8, [rows, rowBytes], PackRows(q)));
        string scales = NodeKit.AddConstant(g, table + "_scale", Tensors.FromFloats("", [rows, q.Blocks], q.Scales));
        string? zeros = null;
        if (!symmetric)
        {
            var packed = MatMulNBitsWriter.PackZeros(q);
            zeros = NodeKit.AddConstant(g, table + "_zero_point", Tensors.FromRaw("", DataTypes.UInt8, [rows, packed.Length / rows], packed));
        }
        return new StoredTable(data, scales, zeros, rows, rowBytes);
    }

    /// <summary>
    /// MatMulNBits wants B as <c>[N, blocks, blob]</c>: the same bytes with one more dimension, so a
    /// Reshape of the stored codes (folded by ONNX Runtime when the session loads) rather than a copy.
    /// </summary>
    public string AsMatMulNBitsWeight(Graph g, BlockwiseWeight q)
    {
        string shape = NodeKit.AddInt64s(g, Data + "_nbits_shape", Rows, q.Blocks, RowBytes / q.Blocks);
        string output = g.UniqueName(Data + "_nbits");
        g.AddNode(NodeKit.Node("Reshape", g.UniqueName(Data + "_as_nbits"), [Data, shape], [output]));
        return output;
    }

    /// <summary>Row-major codes, contiguous within each row (no padding to whole blocks).</summary>
    static byte[] PackRows(BlockwiseWeight q)
    {
        int bits = q.Grid.Bits;
        if (bits == 8) return q.Q;
        int perByte = 8 / bits, rowBytes = q.K * bits / 8;
        var packed = new byte[q.N * rowBytes];
        if (bits == 4 && q.K % 2 == 0)
        {
            Numerics.Packing.PackNibbles(q.Q, packed); // rows of whole bytes: one run of nibble pairs
            return packed;
        }
        for (int r = 0; r < q.N; r++)
            for (int c = 0; c < q.K; c++)
                packed[r * rowBytes + c / perByte] |= (byte)(q.Q[r * q.K + c] << (c % perByte * bits));
        return packed;
    }
}
