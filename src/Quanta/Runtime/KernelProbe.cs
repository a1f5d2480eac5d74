using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Runtime;

/// <summary>
/// Asks ONNX Runtime itself whether its u8×s8 integer kernels saturate on this CPU, by
/// multiplying 255s by 127s in a small MatMulInteger and comparing with the exact sum.
/// Flags in /proc/cpuinfo say what the CPU has; this says what the kernels ONNX Runtime
/// picked actually do, which is what decides whether full-range int8 weights are safe.
/// </summary>
internal static class KernelProbe
{
    const int M = 16, K = 64, N = 16;
    static readonly Lazy<bool> _saturates = new(Measure);

    public static bool U8S8Saturates => _saturates.Value;

    static bool Measure()
    {
        try
        {
            using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            using var session = new InferenceSession(ProbeModel(), options);
            var a = new byte[M * K];
            Array.Fill(a, (byte)255);
            using var input = OrtValue.CreateTensorValueFromMemory(a, [M, K]);
            using var outputs = session.Run(new RunOptions(), ["a"], [input], ["y"]);
            var y = outputs[0].GetTensorDataAsSpan<int>();
            const int exact = 255 * 127 * K;
            foreach (var v in y) if (v != exact) return true;
            return false;
        }
        catch (OnnxRuntimeException)
        {
            return true; // cannot tell: assume the safe answer
        }
    }

    static byte[] ProbeModel()
    {
        var b = new sbyte[K * N];
        Array.Fill(b, (sbyte)127);
        var graph = new GraphProto { Name = "u8s8_probe" };
        graph.Initializer.Add(Tensors.FromRaw("b", DataTypes.Int8, [K, N], System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan())));
        var node = new NodeProto { OpType = "MatMulInteger", Name = "probe" };
        node.Input.AddRange(["a", "b"]);
        node.Output.Add("y");
        graph.Node.Add(node);
        graph.Input.Add(TensorValue("a", DataTypes.UInt8, M, K));
        graph.Output.Add(TensorValue("y", DataTypes.Int32, M, N));
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    static ValueInfoProto TensorValue(string name, int type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }
}
