using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Writes a layer as com.microsoft MatMulNBits: B uint8 [N, blocks, block·bits/8] (each output
/// column's blocks in order, elements packed from the low bits up), scales [N·blocks], zero points
/// packed the same way per column ([N·ceil(blocks·bits/8)]), float [N·blocks] when fractional
/// (HQQ), or omitted for symmetric blocks (the op's default is 2^(bits−1)); bias as input 5.
/// 3-bit grids are written as 4-bit blocks with explicit zero points.
/// Scales, float zero points and bias take the layer's float type (float16 for a float16 model).
/// </summary>
static class MatMulNBitsWriter
{
    public static void Write(Graph g, LinearLayer layer, BlockwiseWeight q, bool symmetric, int accuracyLevel = 0)
    {
        int bits = q.Grid.StorageBits, blocks = q.Blocks, blob = q.BlockSize * bits / 8;
        string name = layer.Name;
        string b = NodeKit.AddConstant(g, name + "_B_nbits", Tensors.FromOwnedRaw("", DataTypes.UInt8, [q.N, blocks, blob], PackB(q)));
        string s = NodeKit.AddConstant(g, name + "_B_scales", Tensors.FromFloats("", layer.ElementType, [q.N * blocks], q.Scales));
        string zp = "";
        if (!symmetric || bits != q.Grid.Bits)
            zp = q.IntegerZeros
                ? NodeKit.AddConstant(g, name + "_B_zero_points", Tensors.FromRaw("", DataTypes.UInt8, [q.N * PackedCount(blocks, bits)], PackZeros(q)))
                : NodeKit.AddConstant(g, name + "_B_zero_points", Tensors.FromFloats("", layer.ElementType, [q.N * blocks], q.Zeros));
        string? bias = layer.Bias is null ? null : NodeKit.AddConstant(g, name + "_bias", Tensors.FromFloats("", layer.ElementType, [q.N], layer.Bias));
        AddNode(g, name + "_nbits", [layer.Input, b, s, zp, bias], layer.Output, q.K, q.N, bits, q.BlockSize, accuracyLevel);
    }

    /// <summary>
    /// The MatMulNBits node over constants already in <paramref name="g"/> (a layer's, or a tied embedding table's):
    /// inputs A, B, scales, zero points ("" when absent) and bias (null when absent; g_idx is never written), the
    /// trailing absent ones dropped; <c>accuracy_level</c> written when not 0 (ONNX Runtime's default).
    /// </summary>
    public static void AddNode(Graph g, string name, string?[] inputs, string output, int k, int n, int bits, int blockSize, int accuracyLevel)
    {
        var list = inputs[..4].Select(i => i ?? "").ToList();
        if (inputs[4] is { } bias) list.AddRange(["", bias]); // g_idx absent
        while (list[^1].Length == 0) list.RemoveAt(list.Count - 1);
        var node = NodeKit.Node("MatMulNBits", g.UniqueName(name), list, [output],
            NodeKit.Int("K", k), NodeKit.Int("N", n), NodeKit.Int("bits", bits), NodeKit.Int("block_size", blockSize));
        if (accuracyLevel > 0) node.Attribute.Add(NodeKit.Int("accuracy_level", accuracyLevel));
        node.Domain = "com.microsoft";
        g.AddNode(node);
    }

    static int PackedCount(int count, int bits) => (count * bits + 7) / 8;

    /// <summary>
    /// Column-major blocks; rows past K (the last block's padding) are left 0, which no input row reads.
    /// Each output byte is assembled from its perByte consecutive values of one column in a single
    /// write, walking the column's rows in order (no per-element division: this runs over every weight).
    /// </summary>
    internal static byte[] PackB(BlockwiseWeight q)
    {
        int bits = q.Grid.StorageBits, perByte = 8 / bits, blob = q.BlockSize * bits / 8;
        var packed = new byte[q.N * q.Blocks * blob];
        // Whole 4-bit blocks: the blob of every column is its K codes in pairs, end to end, so the
        // whole array packs as one run of nibble pairs.
        if (bits == 4 && q.K % q.BlockSize == 0)
        {
            Numerics.Packing.PackNibbles(q.Q, packed);
            return packed;
        }
        Parallel.For(0, q.N, n =>
        {
            var column = q.Q.AsSpan(n * q.K, q.K);
            var target = packed.AsSpan(n * q.Blocks * blob, q.Blocks * blob);
            for (int b = 0; b < q.Blocks; b++)
            {
                int start = b * q.BlockSize, len = Math.Min(q.BlockSize, q.K - start);
                var rows = column.Slice(start, len);
                var bytes = target.Slice(b * blob, blob);
                if (bits == 4)
                {
                    int i = 0, o = 0;
                    for (; i + 1 < len; i += 2, o++) bytes[o] = (byte)(rows[i] | rows[i + 1] << 4);
                    if (i < len) bytes[o] = rows[i];
                }
                else
                    for (int i = 0; i < len; i++) bytes[i / perByte] |= (byte)(rows[i] << (i % perByte * bits));
            }
        });
        return packed;
    }

    internal static byte[] PackZeros(BlockwiseWeight q)
    {
        int bits = q.Grid.StorageBits, perByte = 8 / bits, stride = PackedCount(q.Blocks, bits);
        var packed = new byte[q.N * stride];
        for (int n = 0; n < q.N; n++)
            for (int b = 0; b < q.Blocks; b++)
                packed[n * stride + b / perByte] |= (byte)((int)q.Zeros[n * q.Blocks + b] << (b % perByte * bits));
        return packed;
    }
}
