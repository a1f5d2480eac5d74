using System.Diagnostics;
using Quanta.Training.Execution;
using Quanta.Training.Quant;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Quanta.Training.Train;

/// <summary>
/// The training loop: cosine-scheduled SGD (momentum) or AdamW over weights and learned
/// quantization parameters, cross-entropy on labels optionally mixed with distillation
/// (KL divergence to the float teacher's softened outputs, × T² as Hinton et al.), periodic
/// checkpoints, resume, and per-step progress. Each step's tensors live in one dispose scope.
/// </summary>
internal sealed class Trainer(OnnxModule student, QuantSim? sim, OnnxModule? teacher, QatOptions options, string fingerprint)
{
    public TrainSummary Train(TrainBatches data, IProgress<TrainProgress>? progress, CancellationToken cancel)
    {
        var o = options;
        int perEpoch = data.StepsPerEpoch;
        int total = o.Steps ?? o.Epochs * perEpoch;
        var parameters = student.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = Optimizer.Create(o, parameters);

        int start = o.Checkpoint is null ? 0 : Checkpoint.TryLoad(o.Checkpoint, student, optimizer, fingerprint);
        int step = start;
        student.train();
        teacher?.eval();
        var clock = Stopwatch.StartNew();
        long images = 0;
        double firstLoss = double.NaN, lastLoss = double.NaN, lastAccuracy = double.NaN;

        for (int epoch = start / Math.Max(1, perEpoch); step < total; epoch++)
        {
            int skip = step - epoch * perEpoch; // batches of this epoch done before a resume
            foreach (var batch in data.Epoch(epoch))
            {
                if (skip-- > 0) continue;
                if (step >= total) break;
                cancel.ThrowIfCancellationRequested();
                double lr = LrSchedule.At(step, total, o.LearningRate);
                optimizer.LearningRate = lr;

                using (var scope = NewDisposeScope())
                {
                    // Every number reaches libtorch as a Scalar held for the call (Scalars.cs, Optimizer.cs): trainings run alongside.
                    var x = tensor(batch.Data, batch.Shape);
                    var y = tensor(batch.Labels.Select(l => (long)l).ToArray());
                    var logits = student.forward(x);
                    var loss = Loss(logits, y, x);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    sim?.Constrain();
                    lastLoss = loss.item<float>();
                    lastAccuracy = logits.argmax(1).eq(y).to_type(ScalarType.Float32).mean().item<float>();
                }
                if (double.IsNaN(firstLoss)) firstLoss = lastLoss;
                images += batch.Labels.Length;
                step++;
                progress?.Report(new TrainProgress(step, total, epoch + 1, lastLoss, lastAccuracy, images / clock.Elapsed.TotalSeconds, lr));
                if (o.Checkpoint is not null && (step % o.CheckpointEvery == 0 || step % perEpoch == 0 || step == total))
                    Checkpoint.Save(o.Checkpoint, student, optimizer, step, fingerprint);
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new TrainSummary(step, perEpoch, start, seconds, seconds > 0 ? images / seconds : 0, firstLoss, lastLoss, lastAccuracy);
    }

    Tensor Loss(Tensor logits, Tensor labels, Tensor x)
    {
        var ce = F.cross_entropy(logits, labels);
        if (teacher is null || !options.Distill) return ce;
        Tensor soft;
        using (no_grad()) soft = F.log_softmax(teacher.forward(x).div(Scalars.Of(options.Temperature)), 1);
        var student = F.log_softmax(logits.div(Scalars.Of(options.Temperature)), 1);
        // KL(teacher ‖ student), averaged over the batch; × T² keeps its gradient scale independent of T.
        var kl = (soft.exp() * soft.sub(student)).sum(1).mean().mul(Scalars.Of(options.Temperature * options.Temperature));
        return kl.mul(Scalars.Of(options.DistillWeight)).add(ce.mul(Scalars.Of(1 - options.DistillWeight)), Scalars.One);
    }
}
