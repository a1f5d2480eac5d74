namespace Quanta.Data;

/// <summary>Reads an integer label array [N] for the selected samples, in yield order.</summary>
internal static class NpyLabels
{
    public static int[] Read(NpyEntry entry, int n, int[]? selection)
    {
        using var s = entry.Open();
        var header = NpyHeader.Read(s, entry.What);
        if (!header.IsInteger)
            throw QuantaException.BadInput($"{entry.What}: labels must be integers, dtype is {header.Type}");
        if (header.ElementCount != n || header.Shape.Length == 0 || header.Shape[0] != n)
            throw QuantaException.BadInput($"{entry.What}: labels of shape ({string.Join(", ", header.Shape)}) for {n} samples; expected ({n},)");
        if (header.DataBytes > Array.MaxLength) throw QuantaException.BadInput($"{entry.What}: label array too large");
        var raw = new byte[header.DataBytes];
        DataStreams.ReadExactly(s, raw, entry.What);
        int count = SubsetSelector.CountOf(selection, n);
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int index = SubsetSelector.IndexAt(selection, i);
            long v = header.IntegerAt(raw, index);
            if (v < 0 || v > int.MaxValue) throw QuantaException.BadInput($"{entry.What}: label {v} of sample {index} is not a class index");
            labels[i] = (int)v;
        }
        return labels;
    }
}
