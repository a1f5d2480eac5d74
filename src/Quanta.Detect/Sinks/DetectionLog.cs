using System.Globalization;
using Quanta.Detect.Frames;

namespace Quanta.Detect.Sinks;

/// <summary>
/// Every detection as a CSV row (frame, x1, y1, x2, y2, score; normalised coordinates), for
/// comparing builds and tools frame by frame. Written beside the target and moved into place at the end.
/// </summary>
public sealed class DetectionLog : IDisposable
{
    readonly string _path, _partial;
    readonly StreamWriter _writer;
    bool _completed;

    public DetectionLog(string path)
    {
        _path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _partial = _path + ".partial";
        _writer = new StreamWriter(_partial);
        _writer.WriteLine("frame,x1,y1,x2,y2,score");
    }

    public void Write(Frame frame)
    {
        Span<char> line = stackalloc char[96];
        foreach (var d in frame.Detections.Items)
        {
            // Interpolated into a span: no string per row.
            if (line.TryWrite(CultureInfo.InvariantCulture, $"{frame.Index},{d.Box.X1:0.000000},{d.Box.Y1:0.000000},{d.Box.X2:0.000000},{d.Box.Y2:0.000000},{d.Score:0.000000}", out int n))
                _writer.WriteLine(line[..n]);
        }
    }

    public void Complete()
    {
        _writer.Dispose();
        File.Move(_partial, _path, overwrite: true);
        _completed = true;
    }

    public void Dispose()
    {
        _writer.Dispose();
        if (!_completed && File.Exists(_partial)) File.Delete(_partial);
    }
}
