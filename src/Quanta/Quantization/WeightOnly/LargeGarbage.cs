namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// A streamed model's memory bound is one layer's weight and its quantized form; each layer leaves
/// hundreds of MB of large-object arrays behind, which the GC would otherwise collect only when its
/// (load-dependent, multi-GB) large-object budget runs out. A full collection over the small live heap
/// (the graph without its tensor bytes) costs 10–15 ms; after every layer of a 1 GB model that was
/// 5 % of its time, so layers collect only once <see cref="BudgetBytes"/> have been allocated since
/// the last collection: garbage stays under the budget plus one layer's arrays, within the streaming
/// bound (1 GB + 3× the largest tensor) since the budget is half of its fixed gigabyte.
/// </summary>
internal static class LargeGarbage
{
    public const long BudgetBytes = 512L << 20;
    static long _allocatedAtLastCollection;

    /// <summary>
    /// Collects now (garbage known to be large: a segment's Hessians, an embedding table's float copy).
    /// <paramref name="returnToSystem"/> also gives the freed memory back to the operating system rather
    /// than keeping it committed for reuse: GPTQ's next segment allocates arrays of other sizes (lm_head's
    /// working copy is 524 MB), which the kept memory cannot serve, so it would only add to the peak.
    /// </summary>
    public static void Release(bool returnToSystem = false)
    {
        if (returnToSystem) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        else GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        Interlocked.Exchange(ref _allocatedAtLastCollection, GC.GetTotalAllocatedBytes());
    }

    /// <summary>Collects when at least <see cref="BudgetBytes"/> have been allocated since the last collection.</summary>
    public static void ReleaseOverBudget()
    {
        if (GC.GetTotalAllocatedBytes() - Interlocked.Read(ref _allocatedAtLastCollection) >= BudgetBytes) Release();
    }
}
