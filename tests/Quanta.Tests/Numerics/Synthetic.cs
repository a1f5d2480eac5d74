namespace Quanta.Tests.Numerics;

/// <summary>Seeded synthetic data: Gaussian by Box–Muller, Laplace by inverse CDF.</summary>
public static class Synthetic
{
    public static float[] Gaussian(int n, int seed, float mean = 0, float std = 1)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u1));
            x[i] = (float)(mean + std * r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < n) x[i + 1] = (float)(mean + std * r * Math.Sin(2 * Math.PI * u2));
        }
        return x;
    }

    public static float[] Laplace(int n, int seed, float b = 1)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble() - 0.5;
            x[i] = (float)(-b * Math.Sign(u) * Math.Log(1 - 2 * Math.Abs(u)));
        }
        return x;
    }

    public static float[] Uniform(int n, int seed, float lo, float hi)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return x;
    }
}
