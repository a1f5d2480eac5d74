using System.Runtime.InteropServices;

namespace Quanta.Data;

/// <summary>
/// An integer or boolean .npy array [N, ...] (token ids, masks, lengths), read as stored — no
/// scaling or normalisation — and batched into <c>long[]</c>, <c>int[]</c> or <c>bool[]</c>.
/// </summary>
internal sealed class RawNpyColumn
{
    readonly NpyEntry _entry;
    readonly NpyHeader _header;
    readonly int[]? _selection;
    readonly int _sampleElements;

    public int Count { get; }
    public int Total { get; }
    public long[] SampleShape { get; }

    public static bool Handles(NpyEntry entry) => entry.Header.Type is NpyType.Int32 or NpyType.Int64 or NpyType.Bool;

    public RawNpyColumn(NpyEntry entry, DataOptions options)
    {
        _entry = entry;
        _header = entry.Header;
        var shape = _header.Shape;
        if (shape.Length < 1 || shape[0] > int.MaxValue)
            throw QuantaException.BadInput($"{entry.What}: array of shape ({string.Join(", ", shape)}) needs a sample axis: shape [N, ...]");
        Total = (int)shape[0];
        SampleShape = shape[1..];
        long elements = 1;
        foreach (var d in SampleShape) elements *= d;
        if (elements * _header.ItemSize > Array.MaxLength) throw QuantaException.BadInput($"{entry.What}: one sample is too large");
        _sampleElements = (int)elements;
        long needed = _header.DataOffset + _header.DataBytes;
        if (entry.Length < needed)
            throw QuantaException.BadInput($"{entry.What}: truncated .npy ({entry.Length} bytes, shape ({string.Join(", ", shape)}) needs {needed})");
        _selection = SubsetSelector.Select(Total, options, entry.What);
        Count = SubsetSelector.CountOf(_selection, Total);
    }

    public IEnumerable<BatchTensor> Batches(int batchSize, string? name)
    {
        int item = _header.ItemSize;
        var raw = new byte[_sampleElements * item];
        var scratch = new byte[1 << 16];
        using var stream = _entry.Open();
        DataStreams.Skip(stream, _header.DataOffset, scratch, _entry.What);
        long position = 0;
        for (int start = 0; start < Count; start += batchSize)
        {
            int n = Math.Min(batchSize, Count - start);
            Array values = _header.Type switch
            {
                NpyType.Int64 => new long[n * _sampleElements],
                NpyType.Int32 => new int[n * _sampleElements],
                _ => new bool[n * _sampleElements],
            };
            for (int i = 0; i < n; i++)
            {
                int index = SubsetSelector.IndexAt(_selection, start + i);
                DataStreams.Skip(stream, (index - position) * raw.Length, scratch, _entry.What);
                DataStreams.ReadExactly(stream, raw, _entry.What);
                position = index + 1;
                Place(raw, values, i * _sampleElements);
            }
            var shape = new long[SampleShape.Length + 1];
            shape[0] = n;
            SampleShape.CopyTo(shape, 1);
            yield return new BatchTensor(name, values, shape);
        }
    }

    static void Place(byte[] raw, Array values, int offset)
    {
        switch (values)
        {
            case long[] l: MemoryMarshal.Cast<byte, long>(raw).CopyTo(l.AsSpan(offset)); break;
            case int[] i: MemoryMarshal.Cast<byte, int>(raw).CopyTo(i.AsSpan(offset)); break;
            case bool[] b: for (int k = 0; k < raw.Length; k++) b[offset + k] = raw[k] != 0; break;
        }
    }
}
