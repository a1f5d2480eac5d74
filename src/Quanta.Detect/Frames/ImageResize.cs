namespace Quanta.Detect.Frames;

/// <summary>Nearest-neighbour resize of packed RGB24 images, for sources whose images differ in size.</summary>
public static class ImageResize
{
    public static void NearestRgb(ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, Span<byte> target, int width, int height)
    {
        for (int y = 0; y < height; y++)
        {
            int sy = (int)((y + 0.5) * sourceHeight / height);
            for (int x = 0; x < width; x++)
            {
                int sx = (int)((x + 0.5) * sourceWidth / width);
                source.Slice((sy * sourceWidth + sx) * 3, 3).CopyTo(target.Slice((y * width + x) * 3, 3));
            }
        }
    }
}
