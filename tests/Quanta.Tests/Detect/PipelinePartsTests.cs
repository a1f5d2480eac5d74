using Quanta.Detect.Frames;
using Quanta.Detect.Inference;
using Quanta.Detect.Scenes;
using Quanta.Detect.Timing;

namespace Quanta.Tests.Detect;

/// <summary>The loop's hot-path parts: the vectorised preprocessor, the fixed-size timing records, a session that allocates nothing per frame.</summary>
public class PipelinePartsTests(DetectFixture files) : IClassFixture<DetectFixture>
{
    /// <summary>The definition: bilinear (half-pixel centres), horizontal then vertical, then (v − mean) / std, one value at a time.</summary>
    static float[] Reference(byte[] rgb, int sw, int sh, int w, int h, float mean, float std)
    {
        var output = new float[3 * w * h];
        (int, float) At(int i, int source, int target)
        {
            double s = Math.Clamp((i + 0.5) * source / target - 0.5, 0, source - 1);
            return ((int)s, (float)(s - (int)s));
        }
        for (int y = 0; y < h; y++)
        {
            var (y0, fy) = At(y, sh, h);
            int y1 = Math.Min(y0 + 1, sh - 1);
            for (int x = 0; x < w; x++)
            {
                var (x0, fx) = At(x, sw, w);
                int x1 = Math.Min(x0 + 1, sw - 1);
                for (int c = 0; c < 3; c++)
                {
                    float P(int yy, int xx) => rgb[(yy * sw + xx) * 3 + c];
                    float top = P(y0, x0) + (P(y0, x1) - P(y0, x0)) * fx, bottom = P(y1, x0) + (P(y1, x1) - P(y1, x0)) * fx;
                    output[c * w * h + y * w + x] = (top + (bottom - top) * fy - mean) / std;
                }
            }
        }
        return output;
    }

    [Theory]
    [InlineData(640, 480, 320, 240)] // UltraFace on scenes: 2× down
    [InlineData(333, 101, 320, 240)] // odd sizes, up in one direction, row length not a vector multiple
    [InlineData(17, 9, 5, 3)]
    public void PreprocessorMatchesTheScalarDefinition(int sw, int sh, int w, int h)
    {
        var rgb = new byte[sw * sh * 3];
        new Random(sw * 7 + sh).NextBytes(rgb);
        var actual = new float[3 * w * h];
        var preprocessor = new Preprocessor(w, h, 127f, 128f);
        preprocessor.Run(rgb, sw, sh, actual);
        var expected = Reference(rgb, sw, sh, w, h, 127f, 128f);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5f, $"value {i}: {actual[i]} vs {expected[i]}");
        // Sizes change between calls (a folder of images): the tables follow.
        var again = new float[3 * w * h];
        preprocessor.Run(new byte[7 * 5 * 3], 7, 5, again);
        preprocessor.Run(rgb, sw, sh, again);
        Assert.Equal(actual, again);
    }

    [Fact]
    public void HistogramPercentilesAreWithinHalfAPercentOfTheExactOnes()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 20_000).Select(_ => (float)Math.Exp(random.NextDouble() * 6 - 1)).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var v in values) histogram.Add(v);
        var sorted = values.Order().ToArray();
        foreach (double p in new[] { 0.01, 0.5, 0.9, 0.99, 1.0 })
        {
            double exact = sorted[(int)Math.Ceiling(p * sorted.Length) - 1];
            Assert.InRange(histogram.Percentile(p), exact * 0.995, exact * 1.005);
        }
        Assert.Equal(values.Length, histogram.Count);
        Assert.Equal(sorted[0], histogram.Min, 5);
        Assert.Equal(sorted[^1], histogram.Percentile(1.0), 5);
        Assert.Equal(0, new LatencyHistogram().Percentile(0.5));
    }

    [Fact]
    public void DecimatedSeriesStaysBelowItsCapacityAndKeepsTheMeans()
    {
        var series = new DecimatedSeries(capacity: 8);
        for (int i = 0; i < 5; i++) series.Add(i);
        Assert.Equal([0f, 1, 2, 3, 4], series.Points.ToArray());
        Assert.Equal(1, series.Stride);
        // 10,000 frames of value = frame index: at most 7 points, each the mean of Stride consecutive frames.
        var many = new DecimatedSeries(capacity: 8);
        for (int i = 0; i < 10_000; i++) many.Add(i);
        Assert.InRange(many.Count, 4, 7);
        Assert.Equal(2048, many.Stride);
        for (int p = 0; p < many.Count; p++) Assert.Equal(p * 2048 + (2048 - 1) / 2.0, many.Points[p], 1);
    }

    [Fact]
    public void ASessionAllocatesNothingPerFrameAfterItsFirstFrames()
    {
        using var session = new DetectorSession(files.Detector, new DetectorOptions());
        var frames = Enumerable.Range(0, 3).Select(i => new Frame(SceneMaterial.Width, SceneMaterial.Height) { Slot = i }).ToArray();
        var generator = new SceneGenerator(1);
        for (int i = 0; i < frames.Length; i++) generator.Render(i, frames[i]);
        var detections = new Quanta.Detect.DetectionSet();
        foreach (var f in frames) session.Detect(f, detections); // slots, tables and JIT on first use
        int found = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 10; round++)
            foreach (var f in frames)
            {
                session.Prepare(f);
                session.Run(f, detections);
                found += detections.Count;
            }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(found > 0);
    }
}
