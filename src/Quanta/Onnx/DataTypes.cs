using Quanta.Onnx.Proto;

namespace Quanta.Onnx;

/// <summary>Facts about ONNX element types: names and storage sizes.</summary>
internal static class DataTypes
{
    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int UInt8 = (int)TensorProto.Types.DataType.Uint8;
    public const int Int8 = (int)TensorProto.Types.DataType.Int8;
    public const int UInt16 = (int)TensorProto.Types.DataType.Uint16;
    public const int Int16 = (int)TensorProto.Types.DataType.Int16;
    public const int Int32 = (int)TensorProto.Types.DataType.Int32;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;
    public const int Bool = (int)TensorProto.Types.DataType.Bool;
    public const int Float16 = (int)TensorProto.Types.DataType.Float16;
    public const int Double = (int)TensorProto.Types.DataType.Double;
    public const int BFloat16 = (int)TensorProto.Types.DataType.Bfloat16;
    public const int UInt4 = (int)TensorProto.Types.DataType.Uint4;
    public const int Int4 = (int)TensorProto.Types.DataType.Int4;

    /// <summary>Storage bits per element (4 for int4/uint4, 2 for int2/uint2); 0 when not fixed-size.</summary>
    public static int BitsPerElement(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 32,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64
            or TensorProto.Types.DataType.Complex64 => 64,
        TensorProto.Types.DataType.Complex128 => 128,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16
            or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => 16,
        TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool
            or TensorProto.Types.DataType.Float8E4M3Fn or TensorProto.Types.DataType.Float8E4M3Fnuz
            or TensorProto.Types.DataType.Float8E5M2 or TensorProto.Types.DataType.Float8E5M2Fnuz
            or TensorProto.Types.DataType.Float8E8M0 => 8,
        TensorProto.Types.DataType.Int4 or TensorProto.Types.DataType.Uint4 or TensorProto.Types.DataType.Float4E2M1 => 4,
        TensorProto.Types.DataType.Int2 or TensorProto.Types.DataType.Uint2 => 2,
        _ => 0,
    };

    /// <summary>The lower-case ONNX name of an element type ("float", "int8", …).</summary>
    public static string Name(int dataType) => dataType switch
    {
        0 => "undefined",
        _ => ((TensorProto.Types.DataType)dataType).ToString().ToLowerInvariant(),
    };
}
