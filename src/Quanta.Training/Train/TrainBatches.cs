using Quanta.Data;

namespace Quanta.Training.Train;

/// <summary>One training batch on the host: NCHW images, shape, labels.</summary>
internal sealed record HostBatch(float[] Data, long[] Shape, int[] Labels);

/// <summary>
/// The training data order: a streamed dataset passed through a bounded shuffle buffer seeded by
/// (seed, epoch), then optional augmentation (random crop after padding, horizontal flip) seeded
/// by (seed, epoch, batch). Memory stays bounded by the buffer, and the same (seed, epoch) gives
/// the same batches, so a resumed run sees exactly the batches it would have seen.
/// </summary>
internal sealed class TrainBatches(IDataset data, int batchSize, int seed, bool augment, float[] padValue, int bufferSize = 8192)
{
    const int Padding = 2;

    public int StepsPerEpoch => (data.Count + batchSize - 1) / batchSize;

    public IEnumerable<HostBatch> Epoch(int epoch)
    {
        var rng = new Random(HashCode.Combine(seed, epoch, 0x5eed));
        long[] sample = data.SampleShape;
        int size = (int)sample.Aggregate(1L, (a, b) => a * b);
        var buffer = new List<(float[] X, int Y)>(Math.Min(bufferSize, data.Count));
        var pending = new List<(float[] X, int Y)>(batchSize);
        int batchIndex = 0;
        foreach (var b in data.Batches(256))
        {
            var labels = b.SampleLabels($"{data.Description}: training");
            for (int i = 0; i < b.Count; i++)
            {
                var x = b.Data.AsSpan(i * size, size).ToArray();
                if (buffer.Count < bufferSize) { buffer.Add((x, labels[i])); continue; }
                int j = rng.Next(buffer.Count);
                pending.Add(buffer[j]);
                buffer[j] = (x, labels[i]);
                if (pending.Count == batchSize) yield return Emit(pending, sample, size, epoch, batchIndex++);
            }
        }
        // Drain the buffer in random order.
        for (int n = buffer.Count - 1; n >= 0; n--)
        {
            int j = rng.Next(n + 1);
            pending.Add(buffer[j]);
            buffer[j] = buffer[n];
            if (pending.Count == batchSize) yield return Emit(pending, sample, size, epoch, batchIndex++);
        }
        if (pending.Count > 0) yield return Emit(pending, sample, size, epoch, batchIndex);
    }

    HostBatch Emit(List<(float[] X, int Y)> items, long[] sample, int size, int epoch, int batchIndex)
    {
        var data = new float[items.Count * size];
        var labels = new int[items.Count];
        var rng = augment ? new Random(HashCode.Combine(seed, epoch, batchIndex)) : null;
        for (int i = 0; i < items.Count; i++)
        {
            var dst = data.AsSpan(i * size, size);
            if (rng is not null && sample.Length == 3) Augment(items[i].X, dst, sample, rng);
            else items[i].X.CopyTo(dst);
            labels[i] = items[i].Y;
        }
        items.Clear();
        return new HostBatch(data, [labels.Length, .. sample], labels);
    }

    /// <summary>Random crop of the image padded by <see cref="Padding"/> pixels (padding = the normalized value of black), and a coin-flip horizontal mirror.</summary>
    void Augment(float[] src, Span<float> dst, long[] chw, Random rng)
    {
        int c = (int)chw[0], h = (int)chw[1], w = (int)chw[2];
        int dy = rng.Next(-Padding, Padding + 1), dx = rng.Next(-Padding, Padding + 1);
        bool flip = rng.Next(2) == 1;
        for (int ch = 0; ch < c; ch++)
        {
            float pad = padValue[Math.Min(ch, padValue.Length - 1)];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
                    dst[(ch * h + y) * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[(ch * h + sy) * w + sx] : pad;
                }
        }
    }
}
