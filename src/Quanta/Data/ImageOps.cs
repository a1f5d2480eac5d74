namespace Quanta.Data;

/// <summary>Geometry and colour helpers shared by the image readers (IDX and image folders).</summary>
internal static class ImageOps
{
    /// <summary>
    /// The requested output size, or (0, 0) for "keep the source size". One of Height/Width
    /// alone means a square of that side.
    /// </summary>
    public static (int Height, int Width) Target(Preprocessing p, string what)
    {
        if (p.Height < 0 || p.Width < 0)
            throw QuantaException.BadInput($"{what}: image size {p.Height}x{p.Width} must not be negative");
        if (p.Height == 0 && p.Width == 0) return (0, 0);
        int h = p.Height == 0 ? p.Width : p.Height;
        int w = p.Width == 0 ? p.Height : p.Width;
        return (h, w);
    }

    /// <summary>Channels the dataset yields: the requested 1 or 3, or the source's own (colour sources give 3).</summary>
    public static int OutputChannels(Preprocessing p, int sourceChannels, string what) => p.Channels switch
    {
        0 => sourceChannels >= 3 ? 3 : 1,
        1 or 3 => p.Channels,
        _ => throw QuantaException.BadInput($"{what}: channels must be 1 (grey) or 3 (RGB), got {p.Channels}"),
    };

    /// <summary>
    /// Interleaved pixel conversion: grey → RGB replicates, RGB(A) → grey uses the ITU-R 601 luma
    /// weights, alpha is dropped.
    /// </summary>
    public static void ConvertChannels(ReadOnlySpan<byte> src, int srcChannels, Span<byte> dst, int dstChannels)
    {
        int pixels = src.Length / srcChannels;
        if (dstChannels == 1)
        {
            if (srcChannels <= 2)
                for (int i = 0; i < pixels; i++) dst[i] = src[i * srcChannels];
            else
                for (int i = 0; i < pixels; i++)
                {
                    int s = i * srcChannels;
                    dst[i] = (byte)((src[s] * 77 + src[s + 1] * 150 + src[s + 2] * 29 + 128) >> 8);
                }
        }
        else
        {
            for (int i = 0; i < pixels; i++)
            {
                int s = i * srcChannels, d = i * 3;
                if (srcChannels <= 2) { byte g = src[s]; dst[d] = g; dst[d + 1] = g; dst[d + 2] = g; }
                else { dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]; }
            }
        }
    }
}

/// <summary>
/// Bilinear sampling positions for "resize so the shorter side is S, then centre-crop to
/// H×W", computed once per source size and reused for every image of that size.
/// Pixel centres are aligned (half-pixel convention), as in PIL and torchvision.
/// </summary>
internal sealed class ResizePlan
{
    public int SourceWidth { get; }
    public int SourceHeight { get; }
    public int[] X0 { get; }
    public int[] X1 { get; }
    public float[] FX { get; }
    public int[] Y0 { get; }
    public int[] Y1 { get; }
    public float[] FY { get; }

    public ResizePlan(int sourceWidth, int sourceHeight, int height, int width)
    {
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        int side = Math.Max(height, width);
        int resizedW, resizedH;
        if (sourceWidth <= sourceHeight)
        {
            resizedW = side;
            resizedH = Math.Max(side, (int)Math.Round((double)sourceHeight * side / sourceWidth));
        }
        else
        {
            resizedH = side;
            resizedW = Math.Max(side, (int)Math.Round((double)sourceWidth * side / sourceHeight));
        }
        (X0, X1, FX) = Axis(sourceWidth, resizedW, width, (resizedW - width) / 2);
        (Y0, Y1, FY) = Axis(sourceHeight, resizedH, height, (resizedH - height) / 2);
    }

    static (int[], int[], float[]) Axis(int source, int resized, int output, int cropOffset)
    {
        var i0 = new int[output];
        var i1 = new int[output];
        var f = new float[output];
        double ratio = (double)source / resized;
        for (int d = 0; d < output; d++)
        {
            double s = (d + cropOffset + 0.5) * ratio - 0.5;
            if (s < 0) s = 0;
            if (s > source - 1) s = source - 1;
            int a = (int)s;
            i0[d] = a;
            i1[d] = Math.Min(a + 1, source - 1);
            f[d] = (float)(s - a);
        }
        return (i0, i1, f);
    }
}
