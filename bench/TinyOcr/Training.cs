using System.Diagnostics;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Quanta.TinyOcr;

/// <summary>AdamW on freshly drawn strips for a wall-clock budget, saving the weights as it goes.</summary>
static class Training
{
    const double PeakRate = 2e-3;
    const int WarmupSteps = 50;

    /// <summary>Linear warm-up, then cosine decay to 2 % of the peak over the budget (by elapsed time, not steps).</summary>
    static double Rate(int step, double elapsedFraction) =>
        PeakRate * Math.Min(1, (step + 1) / (double)WarmupSteps) * (0.02 + 0.98 * 0.5 * (1 + Math.Cos(Math.PI * elapsedFraction)));

    public static void Run(Recogniser model, Strips strips, Options o, string weights)
    {
        var optimizer = optim.AdamW(model.parameters(), PeakRate, weight_decay: 0.01);
        var rng = new Random(o.Seed);
        var clock = Stopwatch.StartNew();
        int step = 0;
        double smooth = double.NaN;
        long[] shape = [o.Batch, 1, Strips.Side, strips.Width];
        model.train();
        while (clock.Elapsed.TotalSeconds < o.Seconds)
        {
            double lr = Rate(step, clock.Elapsed.TotalSeconds / o.Seconds);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            var (x, y) = strips.Draw(o.Batch, rng);
            double loss = NoCollection.Run(() => Step(model, optimizer, x, shape, y));
            smooth = double.IsNaN(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
            if (++step % 50 == 0)
                Console.Error.WriteLine($"step {step}  {clock.Elapsed.TotalSeconds:F0}s  loss {smooth:F3}  lr {lr:G3}");
            if (step % 200 == 0) model.save(weights); // a long run can be exported (--export-only) before it ends
        }
        Console.Error.WriteLine($"trained {step} steps, {(long)step * o.Batch * o.Length:N0} characters in {clock.Elapsed.TotalSeconds:F0} s");
        model.save(weights);
    }

    static double Step(Recogniser model, optim.Optimizer optimizer, float[] x, long[] shape, long[] y)
    {
        using var scope = NewDisposeScope();
        var loss = F.cross_entropy(model.forward(tensor(x, shape)).view(-1, Strips.Classes), tensor(y));
        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
        return loss.item<float>();
    }
}
