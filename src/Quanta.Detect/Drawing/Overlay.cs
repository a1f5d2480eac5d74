using Quanta.Detect.Frames;

namespace Quanta.Detect.Drawing;

/// <summary>What the loop draws on each frame: detection boxes with their scores, and a status line.</summary>
public static class Overlay
{
    /// <summary>Boxes of <paramref name="detections"/> with the score above each; formatted without allocating.</summary>
    public static void Detections(Frame f, DetectionSet detections, Rgb color)
    {
        Span<char> text = stackalloc char[8];
        foreach (var d in detections.Items)
        {
            int x1 = (int)(d.Box.X1 * f.Width), y1 = (int)(d.Box.Y1 * f.Height), x2 = (int)(d.Box.X2 * f.Width), y2 = (int)(d.Box.Y2 * f.Height);
            Canvas.Rect(f, x1, y1, x2, y2, color);
            if (d.Score.TryFormat(text, out int n, "0.00", System.Globalization.CultureInfo.InvariantCulture))
                Canvas.Label(f, x1, Math.Max(0, y1 - 18), text[..n], Rgb.Black, color);
        }
    }

    /// <summary>A status line at the top-left: model label, frame rate and latency.</summary>
    public static void Status(Frame f, ReadOnlySpan<char> label, double fps, double latencyMs)
    {
        Span<char> text = stackalloc char[64];
        int n = 0;
        label.CopyTo(text); n += label.Length;
        Append(text, ref n, " FPS ");
        fps.TryFormat(text[n..], out int w, "0.0", System.Globalization.CultureInfo.InvariantCulture); n += w;
        Append(text, ref n, " ");
        latencyMs.TryFormat(text[n..], out w, "0.0", System.Globalization.CultureInfo.InvariantCulture); n += w;
        Append(text, ref n, "MS");
        Canvas.Label(f, 4, 4, text[..n], Rgb.White, Rgb.Black);
    }

    static void Append(Span<char> text, ref int n, string s)
    {
        s.CopyTo(text[n..]);
        n += s.Length;
    }
}
