namespace Quanta.Data;

/// <summary>Memory layout of an image batch as the model expects it.</summary>
public enum Layout { Nchw, Nhwc }

/// <summary>
/// How raw samples become model input: pixels are scaled to [0, 1], then
/// <c>(x - Mean[c]) / Std[c]</c> (one value for all channels, or one per channel),
/// resized (shorter side) and centre-cropped to <see cref="Height"/>×<see cref="Width"/> when given,
/// and laid out as <see cref="Layout"/>. Channels: 1 (grey) or 3 (RGB); 0 keeps the source's.
/// </summary>
public sealed record Preprocessing(
    float[] Mean,
    float[] Std,
    int Height = 0,
    int Width = 0,
    Layout Layout = Layout.Nchw,
    int Channels = 0)
{
    public static Preprocessing Identity { get; } = new([0f], [1f]);
}

/// <summary>Which samples to take: the first <see cref="Count"/> of a seeded shuffle, or all when null.</summary>
public sealed record DataOptions(Preprocessing Preprocessing, int? Count = null, int Seed = 0);

/// <summary>
/// A batch of preprocessed samples. <see cref="Data"/> is owned by the batch; a consumer that
/// keeps it past the next MoveNext must copy it (datasets may reuse buffers).
/// </summary>
public sealed class Batch
{
    /// <summary>Row-major values, <see cref="Shape"/>[0] == <see cref="Count"/>.</summary>
    public required float[] Data { get; init; }
    public required long[] Shape { get; init; }
    /// <summary>Class labels, or null when the dataset has none.</summary>
    public int[]? Labels { get; init; }
    public int Count => (int)Shape[0];
}

/// <summary>
/// A streamed source of samples: enumerating it reads the data once, in a deterministic
/// order, holding no more than one batch (plus fixed-size buffers) in memory.
/// </summary>
public interface IDataset
{
    /// <summary>What the user named, for messages ("fashion-mnist:test, 10000 images").</summary>
    string Description { get; }
    /// <summary>Number of samples the enumeration yields (after subsetting).</summary>
    int Count { get; }
    /// <summary>Shape of one preprocessed sample, e.g. [1, 28, 28] (NCHW) or [28, 28, 1] (NHWC).</summary>
    long[] SampleShape { get; }
    bool HasLabels { get; }
    IEnumerable<Batch> Batches(int batchSize);
}
