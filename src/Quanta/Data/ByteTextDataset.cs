namespace Quanta.Data;

/// <summary>
/// A text file as token windows for a byte-level language model: each sample is <see cref="Seq"/>
/// consecutive bytes, token id = byte value, as int64 in shape [Seq] (the model's <c>input_ids</c>). Windows
/// are consecutive and non-overlapping; a seeded subset of them when a count is given. Read
/// window by window, so memory does not grow with the file.
/// </summary>
public sealed class ByteTextDataset : IDataset
{
    public const int DefaultSeq = 128;
    readonly string _path;
    readonly long[] _windows;

    public int Seq { get; }
    public string Description { get; }
    public int Count => _windows.Length;
    public long[] SampleShape => [Seq];
    public bool HasLabels => false;

    public ByteTextDataset(string path, int seq = DefaultSeq, int? count = null, int seed = 0)
    {
        if (seq < 2) throw QuantaException.BadInput($"{path}: windows need at least 2 tokens, got {seq}");
        if (!File.Exists(path)) throw QuantaException.BadInput($"{path}: no such file");
        long length = new FileInfo(path).Length;
        long windows = length / seq;
        if (windows == 0) throw QuantaException.BadInput($"{path}: {length} bytes is shorter than one window of {seq} tokens");
        var all = Enumerable.Range(0, (int)Math.Min(windows, int.MaxValue)).Select(i => (long)i * seq).ToArray();
        if (count is { } n && n < all.Length)
        {
            new Random(seed).Shuffle(all);
            all = all[..n];
            Array.Sort(all);
        }
        _path = path;
        _windows = all;
        Seq = seq;
        Description = $"{Path.GetFileName(path)}, {Count} windows of {seq} bytes";
    }

    public IEnumerable<Batch> Batches(int batchSize)
    {
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var bytes = new byte[Seq];
        for (int start = 0; start < _windows.Length; start += batchSize)
        {
            int count = Math.Min(batchSize, _windows.Length - start);
            var data = new long[count * Seq];
            for (int i = 0; i < count; i++)
            {
                file.Position = _windows[start + i];
                file.ReadExactly(bytes);
                for (int t = 0; t < Seq; t++) data[i * Seq + t] = bytes[t];
            }
            yield return new Batch { Inputs = [new BatchTensor(null, data, [count, Seq])] };
        }
    }
}
