using Quanta.Detect.Drawing;
using Quanta.Detect.Frames;
using Quanta.Detect.Scenes;
using StbImageSharp;

namespace Quanta.Tests.Detect;

/// <summary>Generated scenes are reproducible and their truth is where the faces were pasted.</summary>
public class SceneTests
{
    static Frame Render(int seed, long index)
    {
        var frame = new Frame(SceneMaterial.Width, SceneMaterial.Height);
        new SceneGenerator(seed).Render(index, frame);
        return frame;
    }

    [Fact]
    public void TheSameSeedAndIndexGiveTheSameSceneAndTruth()
    {
        var a = Render(7, 42);
        var b = Render(7, 42);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.Truth, b.Truth);
        // A frame reused for another scene and back again gives the same result (no leftover state).
        new SceneGenerator(7).Render(3, b);
        new SceneGenerator(7).Render(42, b);
        Assert.Equal(a.Pixels, b.Pixels);
    }

    [Fact]
    public void OtherSeedsAndIndicesGiveOtherScenes()
    {
        var a = Render(7, 42);
        Assert.NotEqual(a.Pixels, Render(8, 42).Pixels);
        Assert.NotEqual(a.Pixels, Render(7, 43).Pixels);
    }

    [Fact]
    public void TruthBoxesAreSquaresOfThePastedSizesInsideTheFrameAndDoNotOverlap()
    {
        for (int i = 0; i < 50; i++)
        {
            var frame = Render(0, i);
            Assert.True(frame.HasTruth);
            Assert.InRange(frame.Truth.Count, 1, 4);
            foreach (var box in frame.Truth)
            {
                float w = (box.X2 - box.X1) * SceneMaterial.Width, h = (box.Y2 - box.Y1) * SceneMaterial.Height;
                Assert.Equal(w, h, 3);
                Assert.InRange(MathF.Round(w), SceneGenerator.MinSize, SceneGenerator.MaxSize);
                Assert.True(box.X1 >= 0 && box.Y1 >= 0 && box.X2 <= 1 && box.Y2 <= 1);
                // The pasted crop is grey: R = G = B at the centre of the box.
                int cx = (int)((box.X1 + box.X2) / 2 * SceneMaterial.Width), cy = (int)((box.Y1 + box.Y2) / 2 * SceneMaterial.Height);
                int o = (cy * SceneMaterial.Width + cx) * 3;
                Assert.True(frame.Pixels[o] == frame.Pixels[o + 1] && frame.Pixels[o + 1] == frame.Pixels[o + 2]);
            }
            for (int j = 0; j < frame.Truth.Count; j++)
                for (int k = j + 1; k < frame.Truth.Count; k++)
                    Assert.Equal(0f, Quanta.Detect.Box.IoU(frame.Truth[j], frame.Truth[k]));
        }
    }

    [Fact]
    public void AnnotatedFramesEncodeAsPngsThatDecodeBackToTheSamePixels()
    {
        var frame = Render(1, 1);
        Canvas.Rect(frame, 10, 10, 100, 80, Rgb.Green);
        Canvas.Text(frame, 12, 12, "FPS 12.5", Rgb.White);
        var decoded = ImageResult.FromMemory(PngWriter.Encode(frame.Pixels, frame.Width, frame.Height), ColorComponents.RedGreenBlue);
        Assert.Equal((frame.Width, frame.Height), (decoded.Width, decoded.Height));
        Assert.Equal(frame.Pixels, decoded.Data);
        Assert.Equal(Rgb.Green.G, frame.Pixels[(10 * frame.Width + 50) * 3 + 1]);
    }
}
