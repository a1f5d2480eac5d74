using Quanta.Training.Execution;
using TorchSharp;
using static Quanta.Training.Execution.Scalars;
using static TorchSharp.torch;

namespace Quanta.Training.Quant;

/// <summary>
/// The differentiable quantization arithmetic, in one place. TorchSharp's fake_quantize_* are not
/// implemented, so quantization is written with the straight-through estimator: the forward
/// value is exactly <c>QuantMath.FakeQuantize</c> (float32 division, round half to even, clamp),
/// the gradient treats rounding as identity. Inside the clamp range the input's gradient is 1,
/// outside it is 0; the scale's gradient is LSQ's (Esser et al. 2020): <c>round(x/s) − x/s</c>
/// inside, the clamp bound outside, scaled by <c>1/sqrt(N·Qp)</c> so it is comparable to the weights'.
/// Every number reaches libtorch as a cached <see cref="Scalars"/> entry (tensor + written as <c>add(…, One)</c>): these ops run on several threads at once.
/// </summary>
internal static class FakeQuant
{
    /// <summary>round(x) forward, identity backward. For |x| ≥ 0.5, x + (round(x) − x) is exactly round(x) in float32 (Sterbenz).</summary>
    public static Tensor RoundSte(Tensor x) => x.add(x.round().sub(x).detach(), One);

    /// <summary>
    /// Value of <paramref name="s"/> exactly (s + (a − a) with a = s·g), gradient multiplied by <paramref name="g"/>.
    /// The textbook <c>(s − s·g).detach() + s·g</c> is off by a rounding error, and the exported scale would not be the one trained.
    /// </summary>
    public static Tensor GradScale(Tensor s, double g)
    {
        var scaled = s.mul(Of(g));
        return s.detach().add(scaled.sub(scaled.detach()), One);
    }

    /// <summary>
    /// Uniform affine fake quantization: <c>(clamp(round(x/s) + zp, qmin, qmax) − zp) · s</c>. The zero
    /// point is a float tensor (learnable) rounded with STE and kept inside [qmin, qmax].
    /// <paramref name="scale"/> and <paramref name="zeroPoint"/> broadcast against <paramref name="x"/>.
    /// </summary>
    public static Tensor Uniform(Tensor x, Tensor scale, Tensor zeroPoint, int qmin, int qmax)
    {
        Scalar lo = Of((long)qmin), hi = Of((long)qmax);
        var zp = RoundSte(zeroPoint).clamp(lo, hi);
        var q = RoundSte(x / scale).add(zp, One).clamp(lo, hi);
        return q.sub(zp) * scale;
    }

    /// <summary>
    /// Binary weights <c>s · sign(x)</c> (sign(0) = +1). The input's gradient passes where |x| ≤ s
    /// (clipped STE), the scale's is <c>sign(x) − x/s</c> inside and <c>sign(x)</c> outside.
    /// </summary>
    public static Tensor Binary(Tensor x, Tensor scale)
    {
        var v = x / scale;
        var clipped = v.clamp(Of(-1L), One);
        var sign = x.ge(Zero).to_type(x.dtype).mul(Of(2.0)).add(Of(-1.0), One); // +1 where x ≥ 0, else −1
        return clipped.add(sign.sub(clipped).detach(), One) * scale;
    }
}
