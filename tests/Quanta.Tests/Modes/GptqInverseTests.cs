using Quanta.Quantization.WeightOnly;

namespace Quanta.Tests.Modes;

/// <summary>
/// GPTQ's inverse factor is computed in one working copy of the Hessian (the others put the 1 GB
/// decoder's GPTQ over the streaming memory bound): it must still be the factor, and leave the
/// Hessian that layers reading one input share as it was.
/// </summary>
public class GptqInverseTests
{
    [Fact]
    public void UpperFactorInvertsTheDampedHessianAndLeavesItUnchanged()
    {
        int k = 12, rows = 20, dead = 3;
        var rng = new Random(4);
        var x = new float[rows * k];
        for (int i = 0; i < x.Length; i++) x[i] = i % k == dead ? 0 : (float)(rng.NextDouble() * 2 - 1);
        var accumulator = new HessianAccumulator(k);
        accumulator.Add(x);
        var h = accumulator.Hessian();
        var before = (double[])h.Clone();

        var u = GptqQuantizer.InverseCholeskyUpper(h, k, damp: 0.01);

        Assert.Equal(before, h);
        // (H + λI) with the input that never fires given a unit diagonal, λ = 0.01 · mean of that diagonal.
        var damped = (double[])h.Clone();
        damped[dead * k + dead] = 1;
        double mean = Enumerable.Range(0, k).Average(i => damped[i * k + i]);
        for (int i = 0; i < k; i++) damped[i * k + i] += 0.01 * mean;
        // UᵀU from U's upper triangle (the lower one is scratch) times the damped H is the identity.
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double product = 0;
                for (int m = 0; m < k; m++)
                {
                    double inverse = 0;
                    for (int r = 0; r <= Math.Min(i, m); r++) inverse += u[r * k + i] * u[r * k + m];
                    product += inverse * damped[m * k + j];
                }
                Assert.True(Math.Abs(product - (i == j ? 1 : 0)) < 1e-8, $"(UᵀU·H)[{i},{j}] = {product}");
            }
    }

    [Fact]
    public void TheHessianIsHandedOverOnce()
    {
        var accumulator = new HessianAccumulator(4);
        accumulator.Add([1f, 2f, 0f, -1f]);
        var h = accumulator.Hessian();
        Assert.Equal(2.0 * 2 * -1, h[1 * 4 + 3]); // 2/rows · x₁x₃ with one row
        Assert.Throws<InvalidOperationException>(() => accumulator.Hessian());
        Assert.Throws<InvalidOperationException>(() => accumulator.Add([1f, 1f, 1f, 1f]));
    }
}
