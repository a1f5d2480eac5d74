using Quanta.Quantization.WeightOnly;

namespace Quanta.Tests.Modes;

/// <summary>The vectorised, parallel RTN gives exactly what one block at a time through <see cref="BlockGrid"/> gives.</summary>
public class RtnQuantizerTests
{
    [Theory]
    [InlineData(4, 32, false, 80, 24)]  // K not a multiple of the block: the last block is short
    [InlineData(4, 32, true, 96, 40)]
    [InlineData(2, 16, false, 64, 33)]  // N not a multiple of the SIMD width
    [InlineData(8, 64, true, 128, 17)]
    public void MatchesTheScalarDefinition(int bits, int block, bool symmetric, int k, int n)
    {
        var w = TinyModels.Random(k * n, seed: 3);
        var grid = new BlockGrid(bits, symmetric);
        var r = RtnQuantizer.Quantize(w, k, n, block, grid);
        for (int c = 0; c < n; c++)
            for (int b = 0; b < r.Blocks; b++)
            {
                int start = b * block, len = Math.Min(block, k - start);
                float lo = float.MaxValue, hi = float.MinValue;
                for (int i = start; i < start + len; i++) { lo = Math.Min(lo, w[i * n + c]); hi = Math.Max(hi, w[i * n + c]); }
                var (s, z) = grid.Params(lo, hi);
                Assert.Equal(s, r.Scales[c * r.Blocks + b]);
                Assert.Equal(z, r.Zeros[c * r.Blocks + b]);
                for (int i = start; i < start + len; i++)
                    Assert.Equal(grid.Quantize(w[i * n + c], s, z), r.Q[c * k + i]);
            }
    }
}
