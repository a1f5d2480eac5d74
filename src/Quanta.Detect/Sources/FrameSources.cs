namespace Quanta.Detect.Sources;

/// <summary>Turns a --source value into a frame source: scenes:N, /dev/videoN, a folder of images, or a video file.</summary>
public static class FrameSources
{
    public static IFrameSource Open(string source, int seed = 0)
    {
        if (source.StartsWith("scenes:", StringComparison.Ordinal))
        {
            if (!int.TryParse(source["scenes:".Length..], out int n) || n <= 0)
                throw QuantaException.BadInput($"--source {source}: expected scenes:N with N a positive number of scenes");
            return new SceneSource(n, seed);
        }
        if (source.StartsWith("/dev/video", StringComparison.Ordinal)) return FfmpegSource.OpenCamera(source);
        if (Directory.Exists(source)) return new ImageFolderSource(source);
        return FfmpegSource.OpenVideo(source);
    }
}
