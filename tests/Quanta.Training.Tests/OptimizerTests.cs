using Quanta.Training.Execution;
using Quanta.Training.Train;
using static TorchSharp.torch;

namespace Quanta.Training.Tests;

/// <summary>
/// Quanta's optimizers against PyTorch's update rules written out in plain C# on one least-squares
/// problem (the gradient in closed form), so the reference shares no code with libtorch or TorchSharp.
/// </summary>
public class OptimizerTests
{
    const int Steps = 6, Rows = 4, Cols = 3, Samples = 2;
    static readonly float[] X = [0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f];
    static readonly float[] Y = [1f, -2f, 0.5f, 3f, 0f, -1f, 2f, 1f];
    static readonly float[] Start = [0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, -0.7f, 0.8f, 0.9f, -1f, 1.1f, -1.2f];

    /// <summary>d/dp of Σ (x pᵀ − y)², with p [Rows, Cols], x [Samples, Cols], y [Samples, Rows].</summary>
    static double[] Gradient(double[] p)
    {
        var g = new double[Rows * Cols];
        for (int i = 0; i < Samples; i++)
            for (int j = 0; j < Rows; j++)
            {
                double r = -Y[i * Rows + j];
                for (int k = 0; k < Cols; k++) r += X[i * Cols + k] * p[j * Cols + k];
                for (int k = 0; k < Cols; k++) g[j * Cols + k] += 2 * r * X[i * Cols + k];
            }
        return g;
    }

    /// <summary>The same problem through libtorch's autograd and <paramref name="step"/>.</summary>
    static float[] Train(Func<IReadOnlyList<Tensor>, Optimizer> create, int steps = Steps, string? resumeFrom = null, string? saveTo = null, float[]? start = null)
    {
        var p = new TorchSharp.Modules.Parameter(tensor(start ?? Start, [Rows, Cols]));
        using var optimizer = create([p]);
        if (resumeFrom is not null) optimizer.Load(resumeFrom);
        var x = tensor(X, [Samples, Cols]);
        var y = tensor(Y, [Samples, Rows]);
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            x.matmul(p.t()).sub(y).square().sum().backward();
            optimizer.Step();
        }
        if (saveTo is not null) optimizer.Save(saveTo);
        return TensorConvert.Floats(p.detach());
    }

    static void AssertClose(double[] expected, float[] actual)
    {
        Assert.NotEqual(Start, actual); // it moved
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
    }

    [Fact]
    public void SgdWithMomentumAndWeightDecayFollowsPyTorchsRule()
    {
        const double lr = 0.01, momentum = 0.9, decay = 1e-3;
        var p = Start.Select(v => (double)v).ToArray();
        var buffer = new double[p.Length];
        for (int t = 0; t < Steps; t++)
        {
            var g = Gradient(p);
            for (int i = 0; i < p.Length; i++)
            {
                buffer[i] = momentum * buffer[i] + g[i] + decay * p[i];
                p[i] -= lr * buffer[i];
            }
        }
        AssertClose(p, Train(ps => new Sgd(ps, lr, momentum, decay)));
    }

    [Fact]
    public void AdamWFollowsPyTorchsRule()
    {
        const double lr = 0.05, decay = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var p = Start.Select(v => (double)v).ToArray();
        double[] m = new double[p.Length], v = new double[p.Length];
        for (int t = 1; t <= Steps; t++)
        {
            var g = Gradient(p);
            double c1 = 1 - Math.Pow(b1, t), c2 = 1 - Math.Pow(b2, t);
            for (int i = 0; i < p.Length; i++)
            {
                p[i] *= 1 - lr * decay;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                p[i] -= lr / c1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(c2) + eps);
            }
        }
        AssertClose(p, Train(ps => new AdamW(ps, lr, decay)));
    }

    [Fact]
    public void SavedStateResumesTheSameTrajectory()
    {
        string file = Path.Combine(Path.GetTempPath(), $"quanta-adamw-{Guid.NewGuid():N}.bin");
        try
        {
            Optimizer Create(IReadOnlyList<Tensor> ps) => new AdamW(ps, 0.05, 0.01);
            var straight = Train(Create);
            // Half the steps, save moments and step count, then a fresh optimizer resumes from them.
            var half = Train(Create, Steps / 2, saveTo: file);
            var resumed = Train(Create, Steps - Steps / 2, resumeFrom: file, start: half);
            Assert.Equal(straight, resumed);
        }
        finally { File.Delete(file); }
    }
}
