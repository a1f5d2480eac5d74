using Quanta.Detect.Frames;

namespace Quanta.Detect.Drawing;

/// <summary>An RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb Green = new(40, 220, 60), Orange = new(255, 150, 20), White = new(255, 255, 255), Black = new(0, 0, 0);
}

/// <summary>
/// The overlay's rasteriser: rectangles, filled rectangles and 5×7 text drawn straight into a
/// frame's RGB24 pixels, clipped to the frame. Enough for boxes, scores and a status line,
/// with no graphics library (and so no native code) underneath.
/// </summary>
public static class Canvas
{
    public static void FillRect(Frame f, int x1, int y1, int x2, int y2, Rgb color)
    {
        x1 = Math.Clamp(x1, 0, f.Width); x2 = Math.Clamp(x2, 0, f.Width);
        y1 = Math.Clamp(y1, 0, f.Height); y2 = Math.Clamp(y2, 0, f.Height);
        for (int y = y1; y < y2; y++)
        {
            int o = (y * f.Width + x1) * 3;
            for (int x = x1; x < x2; x++, o += 3)
            {
                f.Pixels[o] = color.R; f.Pixels[o + 1] = color.G; f.Pixels[o + 2] = color.B;
            }
        }
    }

    /// <summary>A rectangle outline <paramref name="thickness"/> pixels wide, inside x1..x2, y1..y2.</summary>
    public static void Rect(Frame f, int x1, int y1, int x2, int y2, Rgb color, int thickness = 2)
    {
        FillRect(f, x1, y1, x2, y1 + thickness, color);
        FillRect(f, x1, y2 - thickness, x2, y2, color);
        FillRect(f, x1, y1, x1 + thickness, y2, color);
        FillRect(f, x2 - thickness, y1, x2, y2, color);
    }

    /// <summary>Text at (x, y) (top-left), each font pixel drawn as scale×scale; returns the width drawn.</summary>
    public static int Text(Frame f, int x, int y, ReadOnlySpan<char> text, Rgb color, int scale = 2)
    {
        int cx = x;
        foreach (char ch in text)
        {
            var glyph = PixelFont.Glyph(char.ToUpperInvariant(ch));
            for (int row = 0; row < PixelFont.Height; row++)
                for (int col = 0; col < PixelFont.Width; col++)
                    if ((glyph[row] & (0x10 >> col)) != 0)
                        FillRect(f, cx + col * scale, y + row * scale, cx + (col + 1) * scale, y + (row + 1) * scale, color);
            cx += (PixelFont.Width + 1) * scale;
        }
        return cx - x;
    }

    /// <summary>Text on a filled background box, so it reads on any photo.</summary>
    public static void Label(Frame f, int x, int y, ReadOnlySpan<char> text, Rgb foreground, Rgb background, int scale = 2)
    {
        int w = text.Length * (PixelFont.Width + 1) * scale + scale, h = (PixelFont.Height + 2) * scale;
        FillRect(f, x, y, x + w, y + h, background);
        Text(f, x + scale, y + scale, text, foreground, scale);
    }
}
