using System.Numerics.Tensors;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// The expected squared output error of replacing a weight W [K, N] by W′ on calibration inputs,
/// <c>tr(ΔᵀHΔ)</c> with Δ = W − W′ and H = 2/n · XᵀX; without H, the plain <c>‖Δ‖²</c>.
/// One measure for AWQ's search and the 8-bit layer ranking.
/// </summary>
static class OutputError
{
    /// <param name="approx">W′ row-major [K, N]; null measures W itself (the denominator of a relative error).</param>
    public static double Of(float[] w, float[]? approx, int k, int n, float[]? h)
    {
        var d = new float[k];
        var hd = new float[k];
        double err = 0;
        for (int c = 0; c < n; c++)
        {
            for (int i = 0; i < k; i++) d[i] = w[i * n + c] - (approx is null ? 0 : approx[i * n + c]);
            if (h is null) { err += TensorPrimitives.Dot(d, d); continue; }
            Array.Clear(hd);
            for (int i = 0; i < k; i++)
                if (d[i] != 0) TensorPrimitives.MultiplyAdd(h.AsSpan(i * k, k), d[i], hd, hd);
            err += TensorPrimitives.Dot(d, hd);
        }
        return err;
    }

    public static float[] ToFloats(double[] hessian)
    {
        var h = new float[hessian.Length];
        for (int i = 0; i < h.Length; i++) h[i] = (float)hessian[i];
        return h;
    }
}
