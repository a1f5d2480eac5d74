using Quanta.Data;
using Quanta.Detect.Frames;
using Quanta.Detect.Inference;

namespace Quanta.Detect.Scenes;

/// <summary>
/// Generated scenes as a dataset of preprocessed model inputs [3, H, W] (no labels), for
/// calibrating a detector with Quanta's static quantizer.
/// </summary>
public sealed class SceneDataset(int count, int seed, int width, int height, float mean = 127f, float std = 128f) : IDataset
{
    public string Description => $"scenes:{count} (seed {seed})";
    public int Count => count;
    public long[] SampleShape => [3, height, width];
    public bool HasLabels => false;

    public IEnumerable<Batch> Batches(int batchSize)
    {
        var generator = new SceneGenerator(seed);
        var preprocessor = new Preprocessor(width, height, mean, std);
        var frame = new Frame(SceneMaterial.Width, SceneMaterial.Height);
        int sample = 3 * width * height;
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            var data = new float[n * sample];
            for (int i = 0; i < n; i++)
            {
                generator.Render(start + i, frame);
                preprocessor.Run(frame.Pixels, frame.Width, frame.Height, data.AsSpan(i * sample, sample));
            }
            yield return Batch.Of(data, [n, 3, height, width]);
        }
    }
}
