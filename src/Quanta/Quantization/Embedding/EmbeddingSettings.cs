namespace Quanta.Quantization.Embedding;

/// <summary>
/// How embedding tables are quantized: <see cref="Bits"/> (8 or 4) per element, one scale (and,
/// asymmetric, one zero point) per block of <see cref="BlockSize"/> consecutive elements of a row;
/// 0 means per row. Dynamic and static modes use 8-bit symmetric per row; weight-only uses its
/// own <c>--bits</c>, <c>--block</c> and symmetry. <see cref="StandardOps"/> writes
/// DequantizeLinear → Gather (weight-only <c>--format qdq</c>) instead of com.microsoft ops.
/// <see cref="AccuracyLevel"/> is a tied projection's MatMulNBits <c>accuracy_level</c> (the layers' own).
/// </summary>
public sealed record EmbeddingSettings(int Bits, int BlockSize, bool Symmetric, bool StandardOps = false, int AccuracyLevel = 0)
{
    public static EmbeddingSettings PerRow8 { get; } = new(8, 0, true);

    /// <summary>
    /// The block for a row of <paramref name="width"/> elements. com.microsoft GatherBlockQuantized
    /// and MatMulNBits take powers of two ≥ 16. "Per row" is the largest such power that divides
    /// the width (at most 256, where MatMulNBits's fast kernels stop), so a tied projection can
    /// read the same bytes: the whole row for widths like 128, 3 blocks of 128 for BERT's 384.
    /// Widths with no such divisor get one padded block per row.
    /// </summary>
    public int BlockFor(int width)
    {
        if (BlockSize > 0) return BlockSize;
        int block = 0;
        for (int b = 16; b <= 256 && b <= width; b *= 2)
            if (width % b == 0) block = b;
        if (block > 0) return block;
        block = 16;
        while (block < width) block *= 2;
        return block;
    }

    public string Describe() =>
        $"embeddings {Bits}-bit {(Symmetric ? "symmetric" : "asymmetric")} {(BlockSize > 0 ? $"blocks of {BlockSize}" : "per row")}";
}
