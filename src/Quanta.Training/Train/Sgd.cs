using TorchSharp;
using static Quanta.Training.Execution.Scalars;
using static TorchSharp.torch;

namespace Quanta.Training.Train;

/// <summary>
/// SGD with momentum as PyTorch defines it (no dampening, no Nesterov; L2 weight decay added to the
/// gradient): buf = momentum·buf + g, p −= lr·buf. The buffer starts at zero, which equals PyTorch's
/// first-step copy of the gradient.
/// </summary>
internal sealed class Sgd(IReadOnlyList<Tensor> parameters, double learningRate, double momentum, double weightDecay)
    : Optimizer(parameters, learningRate)
{
    readonly Tensor[] _buffers = ZerosLike(parameters);

    protected override IEnumerable<Tensor> State => _buffers;

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        using Scalar minusLr = (-LearningRate).ToScalar();
        var g = weightDecay == 0 ? grad : grad.add(parameter, Of(weightDecay));
        var buffer = _buffers[index].mul_(Of(momentum)).add_(g, One);
        parameter.add_(buffer, minusLr);
    }
}
