using Quanta.Onnx;
using Quanta.Onnx.Proto;
using static TorchSharp.torch;

namespace Quanta.Training.Execution;

/// <summary>ONNX TensorProto ↔ torch tensors (float32, int64, int32, bool; other types as float32 or int64).</summary>
internal static class TensorConvert
{
    public static Tensor FromProto(TensorProto t)
    {
        long[] dims = t.Dims.ToArray();
        switch (t.DataType)
        {
            case DataTypes.Float:
            case DataTypes.Double:
            case DataTypes.Float16:
                return tensor(Tensors.ToFloats(t), dims);
            case DataTypes.Bool:
                return tensor(Tensors.ToInt64s(t), dims).ne(Scalars.Zero);
            default:
                return tensor(Tensors.ToInt64s(t), dims);
        }
    }

    public static ScalarType FromOnnx(long dataType) => (int)dataType switch
    {
        DataTypes.Float or DataTypes.Double or DataTypes.Float16 => ScalarType.Float32,
        DataTypes.Bool => ScalarType.Bool,
        DataTypes.Int32 => ScalarType.Int32,
        _ => ScalarType.Int64,
    };

    public static float[] Floats(Tensor t)
    {
        using var c = t.detach().to_type(ScalarType.Float32).contiguous();
        return c.data<float>().ToArray();
    }
}
