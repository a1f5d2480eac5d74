using Quanta.Detect.Frames;
using Quanta.Detect.Scenes;

namespace Quanta.Detect.Sources;

/// <summary>`scenes:N`: N generated labelled scenes (640×480), rendered on demand.</summary>
public sealed class SceneSource(int count, int seed = 0) : IFrameSource
{
    readonly SceneGenerator _generator = new(seed);
    long _next;

    public string Description => $"scenes:{count} (seed {seed})";
    public int Width => SceneMaterial.Width;
    public int Height => SceneMaterial.Height;
    public double? FramesPerSecond => null;
    public int? Count => count;
    public bool IsLive => false;

    public bool Read(Frame frame)
    {
        if (_next >= count) return false;
        _generator.Render(_next++, frame);
        return true;
    }

    public void Dispose() { }
}
