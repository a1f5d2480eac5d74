using System.Collections.Concurrent;
using TorchSharp;

namespace Quanta.Training.Execution;

/// <summary>
/// Numbers handed to libtorch as Scalars that stay alive for the whole process. TorchSharp turns
/// every number an op takes (and the implicit <c>alpha = 1</c> of tensor +) into a Scalar
/// whose finalizer frees the native value; once its handle is read the object is unreachable, and
/// a collection triggered by another thread can free it while libtorch still reads it
/// ("Expected false to be true" in Scalar::toDouble). The training ops use few distinct numbers
/// (constants, model attributes, per-quantizer gradient scales), so each is created once, cached
/// here and never collected: the forward and backward passes need no process-wide guard and two
/// trainings run in parallel. Integers and floats are kept apart (an integer tensor + a float Scalar
/// would promote to float).
/// </summary>
internal static class Scalars
{
    static readonly ConcurrentDictionary<double, Scalar> Floats = new();
    static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    /// <summary>The alpha of every tensor + (written <c>a.add(b, One)</c>, never <c>a + b</c>).</summary>
    public static readonly Scalar One = Of(1L);
    public static readonly Scalar Zero = Of(0L);

    public static Scalar Of(double value) => Floats.GetOrAdd(value, v => v.ToScalar());
    public static Scalar Of(long value) => Integers.GetOrAdd(value, v => v.ToScalar());
}
