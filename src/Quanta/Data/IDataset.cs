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
public sealed record DataOptions(Preprocessing Preprocessing, int? Count = null, int Seed = 0)
{
    /// <summary>Explicit ascending sample indices (a folder hands each file its share of one seeded subset).</summary>
    internal int[]? Selection { get; init; }
}

/// <summary>
/// A batch of samples: one tensor per model input (image datasets give one unnamed float tensor;
/// .npz data gives one tensor per key, named after the model input it feeds). Every tensor's first
/// axis is the sample axis. The arrays are owned by the batch; a consumer that keeps them past the
/// next MoveNext must copy them (datasets may reuse buffers).
/// </summary>
public sealed class Batch
{
    public required IReadOnlyList<BatchTensor> Inputs { get; init; }
    /// <summary>
    /// Class labels, or null when the dataset has none: one per sample, or the same number per
    /// sample (labels [N, T] for an output of class scores per step [N, T, C]), sample-major.
    /// </summary>
    public int[]? Labels { get; init; }
    public int Count => (int)Inputs[0].Shape[0];

    /// <summary>The labels of samples [<paramref name="from"/>, <paramref name="to"/>), each sample's labels kept together.</summary>
    public int[]? LabelsOf(int from, int to)
    {
        if (Labels is null) return null;
        int per = Count == 0 ? 1 : Labels.Length / Count;
        return Labels.AsSpan(from * per, (to - from) * per).ToArray();
    }

    /// <summary>One class label per sample, for code that classifies whole samples (training).</summary>
    public int[] SampleLabels(string what)
    {
        if (Labels is null) throw QuantaException.BadInput($"{what}: needs labels");
        if (Labels.Length != Count)
            throw QuantaException.BadInput($"{what}: needs one class label per sample; the data has {Labels.Length / Math.Max(1, Count)} per sample");
        return Labels;
    }

    /// <summary>A batch of one float tensor (what image datasets yield).</summary>
    public static Batch Of(float[] data, long[] shape, int[]? labels = null) =>
        new() { Inputs = [new BatchTensor(null, data, shape)], Labels = labels };

    /// <summary>The values of a single-input float batch, for code that only handles such models (QAT).</summary>
    public float[] Data => Single.Values as float[]
        ?? throw QuantaException.BadInput($"input '{Single.Name}' holds {Single.ElementType} values; this needs float samples");
    /// <summary>The shape of a single-input batch, [Count, ...].</summary>
    public long[] Shape => Single.Shape;

    BatchTensor Single => Inputs.Count == 1 ? Inputs[0]
        : throw QuantaException.BadInput($"the data has {Inputs.Count} inputs ({string.Join(", ", Inputs.Select(i => i.Name))}); this needs a single-input model");
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
    /// <summary>
    /// Shape of one preprocessed sample, e.g. [1, 28, 28] (NCHW) or [28, 28, 1] (NHWC), for
    /// single-input data; for named multi-input data, of the first input's first file.
    /// </summary>
    long[] SampleShape { get; }
    bool HasLabels { get; }
    IEnumerable<Batch> Batches(int batchSize);
}
