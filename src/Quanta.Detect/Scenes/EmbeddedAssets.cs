using System.Reflection;

namespace Quanta.Detect.Scenes;

/// <summary>The files embedded in this assembly (see Assets/README.md): the UltraFace detector and the scene material.</summary>
public static class EmbeddedAssets
{
    public const string Detector = "ultraface_rfb320.onnx";
    public static readonly string[] Photos = ["coffee.jpg", "chelsea.jpg", "grass.jpg", "gravel.jpg", "motorcycle_left.jpg", "rocket.jpg"];
    public const string Crops = "lfw_crops.u8";

    public static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("detect/" + name)
            ?? throw new InvalidOperationException($"embedded asset detect/{name} is missing from the build");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Writes the embedded detector and its licence into <paramref name="folder"/>; returns the model's path.</summary>
    public static string ExtractDetector(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { Detector, "ultraface_rfb320.LICENSE" })
        {
            string path = Path.Combine(folder, name);
            var bytes = Read(name);
            if (!File.Exists(path) || new FileInfo(path).Length != bytes.Length) File.WriteAllBytes(path, bytes);
        }
        return Path.Combine(folder, Detector);
    }
}
