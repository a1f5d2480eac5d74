namespace Quanta.Data;

/// <summary>
/// Picks which samples of a file a dataset yields. A subset is a seeded shuffle's first n
/// indices, returned in ascending order so that reading them stays a forward-only stream.
/// </summary>
internal static class SubsetSelector
{
    /// <summary>
    /// Indices to read (ascending), or null for "all samples in file order".
    /// Same (total, count, seed) always gives the same indices.
    /// </summary>
    public static int[]? Select(int total, int? count, int seed, string what)
    {
        if (total <= 0) throw QuantaException.BadInput($"{what}: empty data set (0 samples)");
        if (count is null) return null;
        if (count.Value <= 0) throw QuantaException.BadInput($"{what}: sample count must be positive, got {count.Value}");
        if (count.Value >= total) return null;

        // Partial Fisher–Yates: only the first n slots need to be settled.
        var order = new int[total];
        for (int i = 0; i < total; i++) order[i] = i;
        var rng = new Random(seed);
        int n = count.Value;
        for (int i = 0; i < n; i++)
        {
            int j = rng.Next(i, total);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var picked = order.AsSpan(0, n).ToArray();
        Array.Sort(picked);
        return picked;
    }

    /// <summary>The selection <paramref name="options"/> asks for: an explicit one (a folder's share of a global subset) or a seeded subset.</summary>
    public static int[]? Select(int total, DataOptions options, string what)
    {
        if (options.Selection is not { } explicitSelection) return Select(total, options.Count, options.Seed, what);
        if (explicitSelection.Length > 0 && explicitSelection[^1] >= total)
            throw QuantaException.BadInput($"{what}: sample {explicitSelection[^1]} selected of {total}");
        return explicitSelection;
    }

    /// <summary>Number of samples a selection yields.</summary>
    public static int CountOf(int[]? selection, int total) => selection?.Length ?? total;

    /// <summary>File index of the i-th yielded sample.</summary>
    public static int IndexAt(int[]? selection, int ordinal) => selection is null ? ordinal : selection[ordinal];
}
