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
    /// <summary>Each photo mirrored left to right, made once so rendering a mirrored scene is a copy.</summary>
    public IReadOnlyList<byte[]> MirroredPhotos { get; }
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
        MirroredPhotos = Photos.Select(Mirror).ToList();
        Crops = EmbeddedAssets.Read(EmbeddedAssets.Crops);
    }

    static readonly Lazy<SceneMaterial> Instance = new(() => new SceneMaterial());
    public static SceneMaterial Shared => Instance.Value;

    static byte[] Mirror(byte[] photo)
    {
        var mirrored = new byte[photo.Length];
        int row = Width * 3;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int s = y * row + (Width - 1 - x) * 3, t = y * row + x * 3;
                mirrored[t] = photo[s]; mirrored[t + 1] = photo[s + 1]; mirrored[t + 2] = photo[s + 2];
            }
        return mirrored;
    }

    public ReadOnlySpan<byte> Crop(int index) => Crops.AsSpan(index * CropSize * CropSize, CropSize * CropSize);
}
