using Quanta.Numerics;
using Quanta.Onnx;

namespace Quanta.Quantization.Dynamic;

/// <summary>
/// A constant weight quantized ahead of time: integer data in the weight's own layout plus one
/// scale/zero point per tensor or per output channel.
/// </summary>
sealed record DynamicWeight(byte[] Data, long[] Shape, QuantType Type, float[] Scales, int[] ZeroPoints)
{
    /// <param name="channelAxis">Axis of the output channels (1 for a [K, N] MatMul weight, 0 for Conv), or null for per-tensor.</param>
    public static DynamicWeight Quantize(float[] values, long[] shape, int? channelAxis, QuantSpec spec)
    {
        var p = channelAxis is { } axis ? QuantMath.PerChannel(values, shape, axis, spec) : QuantMath.PerTensor(values, spec);
        var q = new int[values.Length];
        QuantMath.Quantize(values, p, shape, q);
        return new DynamicWeight(QuantMath.ToBytes(q, spec.Type), shape, spec.Type, p.Scale, p.ZeroPoint);
    }

    public Onnx.Proto.TensorProto DataTensor(string name) => Tensors.FromRaw(name, Type.OnnxDataType(), Shape, Data);

    /// <summary>Scales as a scalar (per tensor) or 1-D (per channel), optionally reshaped to <paramref name="dims"/>.</summary>
    public Onnx.Proto.TensorProto ScaleTensor(string name, long[]? dims = null) =>
        Tensors.FromFloats(name, dims ?? (Scales.Length == 1 ? [] : [Scales.Length]), Scales);

    public Onnx.Proto.TensorProto ZeroPointTensor(string name) =>
        Tensors.FromRaw(name, Type.OnnxDataType(), ZeroPoints.Length == 1 ? [] : [ZeroPoints.Length], QuantMath.ToBytes(ZeroPoints, Type));
}
