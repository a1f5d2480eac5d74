using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Calibration;

/// <summary>
/// Streams calibration data through the float model once, exposing the tensors to calibrate as
/// extra outputs, and feeds each to its own observer. Observers keep bounded statistics, so
/// memory does not grow with the number of samples; tensors are observed in parallel.
/// The data is also hashed as it streams, so a quantized model can name exactly what it saw.
/// </summary>
internal static class Calibrator
{
    /// <summary>The observers after the pass, and a SHA-256 digest of the preprocessed samples.</summary>
    public sealed record Run(Dictionary<string, IObserver> Observers, string DataDigest, int Samples);

    public static Run Observe(
        Model model, IReadOnlyCollection<string> tensors, IDataset data, Func<IObserver> newObserver,
        int batchSize, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var observers = tensors.ToDictionary(t => t, _ => newObserver());
        // Tensors inside control-flow bodies come out under other names (BodyTaps); main-graph ones as themselves.
        var tapped = BodyTaps.Expose(model, tensors);
        using var runner = new ModelRunner(tapped.Model, runtime ?? new RuntimeOptions(), tapped.TensorOf.Keys.ToList());
        // The batch is part of the recipe (moving-average ranges depend on it); the model may still fix it.
        batchSize = runner.BatchSize(batchSize, data);
        int done = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var batch in data.Batches(batchSize))
        {
            foreach (var t in batch.Inputs) Hash(hash, t);
            runner.RunParallel(batch, (name, values) =>
            {
                if (tapped.TensorOf.TryGetValue(name, out var tensor) && observers.TryGetValue(tensor, out var observer)) observer.Observe(values);
            });
            done += batch.Count;
            progress?.Report(new WorkProgress("calibrating", done, data.Count));
        }
        if (done == 0) throw QuantaException.BadInput($"{data.Description}: no calibration samples");
        return new Run(observers, Convert.ToHexStringLower(hash.GetHashAndReset()), done);
    }

    static void Hash(IncrementalHash hash, BatchTensor t)
    {
        if (t.Name is not null) hash.AppendData(System.Text.Encoding.UTF8.GetBytes(t.Name));
        switch (t.Values)
        {
            case float[] f: hash.AppendData(MemoryMarshal.AsBytes(f.AsSpan())); break;
            case long[] l: hash.AppendData(MemoryMarshal.AsBytes(l.AsSpan())); break;
            case int[] i: hash.AppendData(MemoryMarshal.AsBytes(i.AsSpan())); break;
            case bool[] b: hash.AppendData(MemoryMarshal.AsBytes(b.AsSpan())); break;
        }
    }
}
