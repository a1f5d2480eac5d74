using System.Runtime;

namespace Quanta.TinyOcr;

/// <summary>
/// Runs torch work with the garbage collector held off. TorchSharp turns every number an op takes
/// (and the implicit alpha of tensor +) into a Scalar whose finalizer frees the native value; once
/// its handle is read the object is unreachable, so a collection during the native call (set off by
/// any other thread's allocation) can free it while libtorch still reads it ("Unknown scalar type").
/// Outside the region nothing is in flight, so the collection that ends it is harmless.
/// </summary>
static class NoCollection
{
    const long Budget = 64L << 20;   // managed bytes one training step or evaluation batch may allocate

    public static T Run<T>(Func<T> work)
    {
        bool held = GC.TryStartNoGCRegion(Budget);
        try { return work(); }
        finally
        {
            // The region ends by itself if the work allocated more than the budget.
            if (held && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }
}
