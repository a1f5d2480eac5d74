using Microsoft.ML.OnnxRuntime;
using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Calibration;

/// <summary>
/// Streams calibration data through the float model once, exposing the tensors to calibrate as
/// extra outputs, and feeds each to its own observer. Observers keep bounded statistics, so
/// memory does not grow with the number of samples; tensors are observed in parallel.
/// </summary>
public static class Calibrator
{
    public static Dictionary<string, IObserver> Observe(
        Model model, IReadOnlyCollection<string> tensors, IDataset data, Func<IObserver> newObserver,
        int batchSize, RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var observers = tensors.ToDictionary(t => t, _ => newObserver());
        using var runner = new ModelRunner(model, runtime ?? new RuntimeOptions(), tensors);
        runner.CheckSampleShape(data.SampleShape, data.Description);
        int done = 0;
        foreach (var batch in data.Batches(batchSize))
        {
            runner.RunParallel(batch.Data, batch.Shape, (name, values) =>
            {
                if (observers.TryGetValue(name, out var observer)) observer.Observe(values);
            });
            done += batch.Count;
            progress?.Report(new WorkProgress("calibrating", done, data.Count));
        }
        return observers;
    }
}
