using TorchSharp;
using static Quanta.Training.Execution.Scalars;
using static TorchSharp.torch;

namespace Quanta.Training.Train;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) as PyTorch defines it: decoupled weight decay p ·= 1 − lr·λ,
/// bias-corrected first and second moments (β = 0.9, 0.999; ε = 1e-8), no AMSGrad.
/// </summary>
internal sealed class AdamW(IReadOnlyList<Tensor> parameters, double learningRate, double weightDecay)
    : Optimizer(parameters, learningRate)
{
    const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    readonly Tensor[] _mean = ZerosLike(parameters);
    readonly Tensor[] _square = ZerosLike(parameters);

    protected override IEnumerable<Tensor> State => _mean.Concat(_square);

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        double correction1 = 1 - Math.Pow(Beta1, Steps), correction2 = 1 - Math.Pow(Beta2, Steps);
        // Numbers that change every step live exactly as long as the step.
        using Scalar decay = (1 - LearningRate * weightDecay).ToScalar();
        using Scalar rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using Scalar stepSize = (-LearningRate / correction1).ToScalar();

        parameter.mul_(decay);
        var mean = _mean[index].mul_(Of(Beta1)).add_(grad, Of(1 - Beta1));
        var square = _square[index].mul_(Of(Beta2)).addcmul_(grad, grad, Of(1 - Beta2));
        var denominator = square.sqrt().div_(rootCorrection2).add_(Of(Epsilon), One);
        parameter.addcdiv_(mean, denominator, stepSize);
    }
}
