using Quanta.Detect.Frames;

namespace Quanta.Detect.Scenes;

/// <summary>
/// Labelled scenes for a face detector: one of the photos (maybe mirrored), with 1–4 LFW face crops
/// and 0–2 non-face crops pasted on it at 48–128 px, never overlapping. The face rectangles are the
/// ground truth. Scene i of seed s is the same everywhere (a hash-seeded generator, no shared state),
/// so float and int8 runs, x64 and arm64 builds see identical frames.
/// </summary>
public sealed class SceneGenerator(int seed = 0)
{
    readonly SceneMaterial _material = SceneMaterial.Shared;
    public int Seed { get; } = seed;
    public const int MinSize = 48, MaxSize = 128;

    /// <summary>Renders scene <paramref name="index"/> into <paramref name="frame"/> (640×480) and sets its truth.</summary>
    public void Render(long index, Frame frame)
    {
        if (frame.Width != SceneMaterial.Width || frame.Height != SceneMaterial.Height)
            throw new ArgumentException($"scenes are {SceneMaterial.Width}×{SceneMaterial.Height}", nameof(frame));
        var rng = new SplitMix((ulong)(uint)Seed * 0x9E3779B97F4A7C15UL ^ (ulong)index * 0xD1B54A32D192ED03UL);
        int photo = rng.Next(_material.Photos.Count);
        bool mirror = rng.Next(2) == 1;
        (mirror ? _material.MirroredPhotos : _material.Photos)[photo].CopyTo(frame.Pixels, 0);

        frame.Truth.Clear();
        frame.HasTruth = true;
        Span<(int X, int Y, int S)> placed = stackalloc (int, int, int)[6];
        int count = 0;
        int faces = 1 + rng.Next(4), others = rng.Next(3);
        for (int k = 0; k < faces + others; k++)
        {
            bool face = k < faces;
            int size = MinSize + rng.Next(MaxSize - MinSize + 1);
            for (int attempt = 0; attempt < 30; attempt++)
            {
                int x = rng.Next(SceneMaterial.Width - size), y = rng.Next(SceneMaterial.Height - size);
                if (Overlaps(placed[..count], x, y, size)) continue;
                placed[count++] = (x, y, size);
                int crop = face ? rng.Next(SceneMaterial.FaceCount) : SceneMaterial.FaceCount + rng.Next(SceneMaterial.CropCount - SceneMaterial.FaceCount);
                Paste(_material.Crop(crop), frame.Pixels, x, y, size);
                if (face)
                    frame.Truth.Add(new Box((float)x / SceneMaterial.Width, (float)y / SceneMaterial.Height,
                        (float)(x + size) / SceneMaterial.Width, (float)(y + size) / SceneMaterial.Height));
                break;
            }
        }
    }

    static bool Overlaps(ReadOnlySpan<(int X, int Y, int S)> placed, int x, int y, int size)
    {
        const int gap = 8;
        foreach (var p in placed)
            if (x < p.X + p.S + gap && p.X < x + size + gap && y < p.Y + p.S + gap && p.Y < y + size + gap) return true;
        return false;
    }

    /// <summary>Bilinear upscaling of a grey crop into a size×size square (grey in all three channels).</summary>
    static void Paste(ReadOnlySpan<byte> crop, byte[] target, int x0, int y0, int size)
    {
        const int n = SceneMaterial.CropSize;
        float scale = (float)n / size;
        for (int y = 0; y < size; y++)
        {
            float sy = Math.Clamp((y + 0.5f) * scale - 0.5f, 0, n - 1);
            int iy = Math.Min((int)sy, n - 2);
            float fy = sy - iy;
            for (int x = 0; x < size; x++)
            {
                float sx = Math.Clamp((x + 0.5f) * scale - 0.5f, 0, n - 1);
                int ix = Math.Min((int)sx, n - 2);
                float fx = sx - ix;
                float top = crop[iy * n + ix] * (1 - fx) + crop[iy * n + ix + 1] * fx;
                float bottom = crop[(iy + 1) * n + ix] * (1 - fx) + crop[(iy + 1) * n + ix + 1] * fx;
                byte v = (byte)(top * (1 - fy) + bottom * fy + 0.5f);
                int t = ((y0 + y) * SceneMaterial.Width + x0 + x) * 3;
                target[t] = target[t + 1] = target[t + 2] = v;
            }
        }
    }

    /// <summary>SplitMix64: small, fast, and the same sequence on every platform (System.Random's is not promised).</summary>
    struct SplitMix(ulong state)
    {
        ulong _state = state;

        public int Next(int bound)
        {
            _state += 0x9E3779B97F4A7C15UL;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z % (ulong)bound);
        }
    }
}
