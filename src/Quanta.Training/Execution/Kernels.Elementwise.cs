using static TorchSharp.torch;

namespace Quanta.Training.Execution;

internal static partial class Kernels
{
    static bool IsInteger(Tensor t) => t.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    /// <summary>ONNX integer division truncates toward zero; float division is true division.</summary>
    static Tensor[] Div(NodeArgs a) =>
        [IsInteger(a[0]) && IsInteger(a[1]) ? a[0].div(a[1], RoundingMode.trunc) : a[0] / a[1]];

    /// <summary>fmod=1: sign of the dividend (C fmod); fmod=0: sign of the divisor (Python %).</summary>
    static Tensor[] Mod(NodeArgs a) =>
        [a.Int("fmod", 0) != 0 ? a[0].fmod(a[1]) : a[0].remainder(a[1])];

    static Tensor[] ReduceMean(NodeArgs a)
    {
        var x = a[0];
        // Opset 18 moved axes from an attribute to an input.
        var axes = a.Longs(1) ?? a.Ints("axes");
        bool keep = a.Int("keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (a.Int("noop_with_empty_axes", 0) != 0) return [x.alias()];
            axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
        }
        return [x.mean(axes.Select(v => Host.Axis(v, x.dim())).ToArray(), keepdim: keep)];
    }
}
