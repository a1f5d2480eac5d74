using StbImageSharp;

namespace Quanta.Detect.Scenes;

/// <summary>
/// The decoded photos (640×480 RGB) and grey 25×25 crops (first 100 faces, last 100 non-faces)
/// that scenes are assembled from; decoded once per process.
/// </summary>
public sealed class SceneMaterial
{
    public const int Width = 640, Height = 480, CropSize = 25, FaceCount = 100, CropCount = 200;

    public IReadOnlyList<byte[]> Photos { get; }
    /// <summary>CropCount × 25 × 25 grey bytes.</summary>
    public byte[] Crops { get; }

    SceneMaterial()
    {
        Photos = EmbeddedAssets.Photos.Select(name =>
        {
            var image = ImageResult.FromMemory(EmbeddedAssets.Read(name), ColorComponents.RedGreenBlue);
            if (image.Width != Width || image.Height != Height) throw new InvalidOperationException($"embedded photo {name} is not {Width}×{Height}");
            return image.Data;
        }).ToList();
        Crops = EmbeddedAssets.Read(EmbeddedAssets.Crops);
    }

    static readonly Lazy<SceneMaterial> Instance = new(() => new SceneMaterial());
    public static SceneMaterial Shared => Instance.Value;

    public ReadOnlySpan<byte> Crop(int index) => Crops.AsSpan(index * CropSize * CropSize, CropSize * CropSize);
}
