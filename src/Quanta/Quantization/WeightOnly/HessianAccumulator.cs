using System.Numerics.Tensors;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// <c>H = 2/rows · Σ xxᵀ</c> [K, K] and mean |x| per channel of one layer input, accumulated
/// batch by batch from its activations (rows of K values).
/// </summary>
internal sealed class HessianAccumulator(int k)
{
    readonly double[] _sum = new double[k * k];
    float[]? _batch = new float[k * k];
    readonly double[] _abs = new double[k];
    long _rows;

    public void Add(ReadOnlySpan<float> values)
    {
        if (values.Length % k != 0) throw new InvalidOperationException($"activation of {values.Length} values is not a multiple of K = {k}");
        // Accumulate a batch in float with SIMD, then fold into double so long runs don't lose precision.
        if (_batch is null) throw new InvalidOperationException("the Hessian was already taken");
        Array.Clear(_batch);
        int rows = values.Length / k;
        for (int r = 0; r < rows; r++)
        {
            var x = values.Slice(r * k, k);
            for (int i = 0; i < k; i++)
            {
                float xi = x[i];
                _abs[i] += Math.Abs(xi);
                if (xi == 0) continue;
                var row = _batch.AsSpan(i * k, k);
                TensorPrimitives.MultiplyAdd(x, xi, row, row);
            }
        }
        for (int i = 0; i < _sum.Length; i++) _sum[i] += _batch[i];
        _rows += rows;
    }

    public double[] MeanAbs()
    {
        var m = new double[k];
        for (int i = 0; i < k; i++) m[i] = _rows > 0 ? _abs[i] / _rows : 0;
        return m;
    }

    /// <summary>
    /// H, made from the sums in place and handed over (call once, after the last <see cref="Add"/>): at
    /// K = 5632 the sums are 254 MB and the batch buffer 127 MB, which a copy would keep alive beside H
    /// while GPTQ works on it.
    /// </summary>
    public double[] Hessian()
    {
        if (_batch is null) throw new InvalidOperationException("the Hessian was already taken");
        _batch = null;
        double f = _rows > 0 ? 2.0 / _rows : 0;
        for (int i = 0; i < _sum.Length; i++) _sum[i] *= f;
        return _sum;
    }
}
