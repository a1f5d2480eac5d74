using Quanta.Data;
using Quanta.Training.Execution;
using static TorchSharp.torch;

namespace Quanta.Training;

/// <summary>Top-1 of the TorchSharp module itself (the simulation) on the first batches covering <c>limit</c> samples, for comparison with the exported model in ONNX Runtime.</summary>
internal static class SimEvaluator
{
    public static (double Top1, int Count) Top1(OnnxModule module, IDataset data, int limit = int.MaxValue, int batchSize = 128)
    {
        module.eval();
        using var _ = no_grad();
        long correct = 0, seen = 0;
        foreach (var b in data.Batches(batchSize))
        {
            if (seen >= limit) break;
            using var scope = NewDisposeScope();
            var logits = module.forward(tensor(b.Data, b.Shape));
            var labels = tensor(b.SampleLabels($"{data.Description}: top-1 of the simulation").Select(l => (long)l).ToArray());
            correct += logits.argmax(1).eq(labels).sum().item<long>();
            seen += b.Count;
        }
        return (seen == 0 ? 0 : (double)correct / seen, (int)seen);
    }
}
