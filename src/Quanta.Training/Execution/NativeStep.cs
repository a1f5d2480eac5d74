using System.Runtime;

namespace Quanta.Training.Execution;

/// <summary>
/// A stretch of libtorch work during which no garbage collection runs, for code that passes
/// numbers as implicit, short-lived Scalars we do not control: TorchSharp's optimizers (learning
/// rate, momentum, betas) and the one-off weight-scale search. Such a Scalar is unreachable once
/// its handle is read, and a collection triggered by another thread can let the finalizer free
/// it while libtorch still reads it ("Expected false to be true" in Scalar::toDouble, hundreds
/// of steps into training). So the stretch starts with a collection whose finalizers have all
/// run, and then allocates inside a no-GC region. The region is process-wide, so stretches on
/// different threads take turns. Forward and backward passes do not need it — they pass only
/// cached Scalars (<see cref="Scalars"/>) — so two trainings overlap everywhere but here.
/// </summary>
internal readonly struct NativeStep : IDisposable
{
    /// <summary>Managed allocation a step may make before the runtime collects anyway (then the guard lapses, not the step).</summary>
    const long Budget = 64L << 20;

    static readonly object Turn = new();

    readonly bool _entered, _noGc;

    NativeStep(bool noGc)
    {
        _entered = true;
        _noGc = noGc;
    }

    public static NativeStep Begin()
    {
        Monitor.Enter(Turn);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        bool noGc;
        try { noGc = GC.TryStartNoGCRegion(Budget); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException) { noGc = false; }
        return new NativeStep(noGc);
    }

    /// <summary>The process's GC latency mode between steps (read while holding the turn, so no other thread's step is open).</summary>
    internal static GCLatencyMode ModeBetweenSteps()
    {
        lock (Turn) return GCSettings.LatencyMode;
    }

    public void Dispose()
    {
        if (!_entered) return;
        try
        {
            if (_noGc && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // Allocation elsewhere in the process outgrew the budget and a collection already ended the region.
        }
        finally
        {
            Monitor.Exit(Turn);
        }
    }
}
