namespace Quanta.Data;

/// <summary>
/// Reads an integer label array for the selected samples, in yield order: [N] (one class per
/// sample) or [N, T, ...] (one class per step of a sequence output), flattened sample-major.
/// </summary>
internal static class NpyLabels
{
    /// <summary>Labels per sample: 1 for [N] (or [N, 1]), T for [N, T].</summary>
    public static int PerSample(NpyEntry entry)
    {
        var shape = entry.Header.Shape;
        long per = 1;
        for (int i = 1; i < shape.Length; i++) per *= shape[i];
        return shape.Length == 0 || per > int.MaxValue ? 1 : (int)per;
    }

    /// <summary>One class per sample, as image datasets carry them.</summary>
    public static int[] Read(NpyEntry entry, int n, int[]? selection)
    {
        if (PerSample(entry) != 1)
            throw QuantaException.BadInput($"{entry.What}: labels of shape ({string.Join(", ", entry.Header.Shape)}) for {n} samples; expected ({n},)");
        return Read(entry, n, selection, perSample: 1);
    }

    /// <summary>Labels [N, <paramref name="perSample"/>] of the selected samples, each sample's labels together.</summary>
    public static int[] Read(NpyEntry entry, int n, int[]? selection, int perSample)
    {
        using var s = entry.Open();
        var header = NpyHeader.Read(s, entry.What);
        if (!header.IsInteger)
            throw QuantaException.BadInput($"{entry.What}: labels must be integers, dtype is {header.Type}");
        if (header.ElementCount != (long)n * perSample || header.Shape.Length == 0 || header.Shape[0] != n)
            throw QuantaException.BadInput($"{entry.What}: labels of shape ({string.Join(", ", header.Shape)}) for {n} samples; expected ({n},) or ({n}, steps)");
        if (header.DataBytes > Array.MaxLength) throw QuantaException.BadInput($"{entry.What}: label array too large");
        var raw = new byte[header.DataBytes];
        DataStreams.ReadExactly(s, raw, entry.What);
        int count = SubsetSelector.CountOf(selection, n);
        if ((long)count * perSample > Array.MaxLength) throw QuantaException.BadInput($"{entry.What}: label array too large");
        var labels = new int[count * perSample];
        for (int i = 0; i < count; i++)
        {
            int index = SubsetSelector.IndexAt(selection, i);
            for (int t = 0; t < perSample; t++)
            {
                long v = header.IntegerAt(raw, (long)index * perSample + t);
                if (v < 0 || v > int.MaxValue) throw QuantaException.BadInput($"{entry.What}: label {v} of sample {index} is not a class index");
                labels[i * perSample + t] = (int)v;
            }
        }
        return labels;
    }
}
