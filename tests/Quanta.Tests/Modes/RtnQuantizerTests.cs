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

    [Theory]
    [InlineData(4, 32, false, 96, 40)]
    [InlineData(4, 16, true, 80, 7)]   // rows shorter than the SIMD loop's 32 codes: the scalar tail alone
    [InlineData(8, 32, true, 72, 5)]   // a short last block per row
    public void RowsOfATableQuantizeAsItsTransposeDoes(int bits, int block, bool symmetric, int width, int rows)
    {
        var e = TinyModels.Random(rows * width, seed: 5);
        var transposed = new float[e.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < width; c++) transposed[c * rows + r] = e[r * width + c];
        var grid = new BlockGrid(bits, symmetric);
        var expected = RtnQuantizer.Quantize(transposed, width, rows, block, grid);
        var actual = RtnQuantizer.QuantizeRows(e, rows, width, block, grid);
        Assert.Equal(expected.Q, actual.Q);
        Assert.Equal(expected.Scales, actual.Scales);
        Assert.Equal(expected.Zeros, actual.Zeros);
    }

    [Fact]
    public void WideWeightsCrossColumnStripsAndStayExact()
    {
        // N beyond one strip of columns (1024) and not a multiple of it, K with a short last block.
        int k = 40, n = 2500;
        var w = TinyModels.Random(k * n, seed: 9);
        var grid = new BlockGrid(4, false);
        var r = RtnQuantizer.Quantize(w, k, n, 32, grid);
        for (int c = 0; c < n; c += 7)
            for (int b = 0; b < r.Blocks; b++)
            {
                int start = b * 32, len = Math.Min(32, k - start);
                float lo = float.MaxValue, hi = float.MinValue;
                for (int i = start; i < start + len; i++) { lo = Math.Min(lo, w[i * n + c]); hi = Math.Max(hi, w[i * n + c]); }
                var (s, z) = grid.Params(lo, hi);
                Assert.Equal(s, r.Scales[c * r.Blocks + b]);
                for (int i = start; i < start + len; i++) Assert.Equal(grid.Quantize(w[i * n + c], s, z), r.Q[c * k + i]);
            }
    }

    [Theory]
    [InlineData(4, 32, false, 40, 2500)]  // strips of 1024 columns and a short last one, a short last block
    [InlineData(8, 16, true, 48, 17)]     // one strip narrower than the SIMD loop
    [InlineData(2, 32, false, 64, 1024)]  // exactly one strip
    public void AFloat16WeightQuantizesAsItsWidenedCopyDoes(int bits, int block, bool symmetric, int k, int n)
    {
        var stored = TinyModels.Random(k * n, seed: 11).Select(v => (Half)v).ToArray();
        var widened = stored.Select(h => (float)h).ToArray();
        var grid = new BlockGrid(bits, symmetric);
        var expected = RtnQuantizer.Quantize(widened, k, n, block, grid);
        var actual = RtnQuantizer.Quantize(stored, k, n, block, grid);
        Assert.Equal(expected.Q, actual.Q);
        Assert.Equal(expected.Scales, actual.Scales);
        Assert.Equal(expected.Zeros, actual.Zeros);
    }
}
