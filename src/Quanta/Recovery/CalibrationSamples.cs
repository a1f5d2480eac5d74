using Quanta.Data;

namespace Quanta.Recovery;

/// <summary>
/// The calibration batches held in memory, for the recovery steps that stream them many times
/// (bias correction runs the model once per layer). Bounded by the calibration count, not the data set.
/// </summary>
sealed class CalibrationSamples
{
    public List<(float[] Data, long[] Shape)> Batches { get; } = new();
    public int Count { get; private set; }

    public CalibrationSamples(IDataset data, int batchSize)
    {
        foreach (var b in data.Batches(batchSize))
        {
            Batches.Add(((float[])b.Data.Clone(), (long[])b.Shape.Clone()));
            Count += b.Count;
        }
        if (Count == 0) throw QuantaException.BadInput($"{data.Description}: no calibration samples");
    }
}
