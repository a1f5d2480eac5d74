using TorchSharp;
using static TorchSharp.torch;

namespace Quanta.Training.Train;

/// <summary>
/// The optimizers QAT trains with (SGD with momentum, AdamW), written over libtorch's in-place ops
/// instead of taken from TorchSharp. TorchSharp's optimizers hand every number (learning rate,
/// momentum, betas, bias corrections) to libtorch as a temporary Scalar that is unreachable as soon
/// as its handle is read; a collection on any thread can then let its finalizer free the native
/// value while libtorch still reads it ("Unknown scalar type" in mul_, seen with two trainings in
/// one process). Here each step's numbers are Scalars held by <c>using</c> until the step ends, and
/// constants come from the process-wide cache (<see cref="Execution.Scalars"/>), so no step needs
/// a process-wide guard and trainings in one process run fully in parallel.
/// </summary>
internal abstract class Optimizer : IDisposable
{
    protected readonly IReadOnlyList<Tensor> Parameters;

    protected Optimizer(IReadOnlyList<Tensor> parameters, double learningRate)
    {
        Parameters = parameters;
        LearningRate = learningRate;
    }

    public double LearningRate { get; set; }

    /// <summary>Steps taken (AdamW's bias correction counts them; checkpoints keep them).</summary>
    protected long Steps { get; private set; }

    /// <summary>Per-parameter state tensors, in a fixed order, that a checkpoint saves and restores.</summary>
    protected abstract IEnumerable<Tensor> State { get; }

    public static Optimizer Create(QatOptions o, IReadOnlyList<Tensor> parameters) => o.Optimizer == OptimizerKind.Sgd
        ? new Sgd(parameters, o.LearningRate, o.Momentum, o.WeightDecay)
        : new AdamW(parameters, o.LearningRate, o.WeightDecay);

    public void ZeroGrad()
    {
        foreach (var p in Parameters)
            using (var g = p.grad)
                g?.zero_();
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Steps++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var grad = Parameters[i].grad;
            if (grad is not null) Update(i, Parameters[i], grad);
        }
    }

    /// <summary>One parameter's in-place update from its gradient (inside no_grad and a dispose scope).</summary>
    protected abstract void Update(int index, Tensor parameter, Tensor grad);

    /// <summary>A state tensor shaped like each parameter, kept out of any caller's dispose scope.</summary>
    protected static Tensor[] ZerosLike(IReadOnlyList<Tensor> parameters) =>
        parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();

    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(Steps);
        foreach (var t in State) t.Save(writer);
    }

    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        Steps = reader.ReadInt64();
        using var _ = no_grad();
        foreach (var t in State)
            using (var saved = Tensor.Load(reader))
                t.copy_(saved);
    }

    public void Dispose()
    {
        foreach (var t in State) t.Dispose();
    }
}
