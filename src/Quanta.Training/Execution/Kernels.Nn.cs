using static Quanta.Training.Execution.Scalars;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Quanta.Training.Execution;

internal static partial class Kernels
{
    /// <summary>
    /// Spatial padding: ONNX lists [begin…, end…]; torch convolutions and pools take one symmetric
    /// value per axis, so unequal pads are applied with an explicit constant pad first.
    /// </summary>
    static (Tensor Input, long[] Symmetric) Pads(NodeArgs a, Tensor x, int spatial, double padValue)
    {
        var pads = a.Ints("pads") ?? new long[2 * spatial];
        string auto = a.Str("auto_pad", "NOTSET");
        if (auto is "SAME_UPPER" or "SAME_LOWER")
        {
            var k = a.Ints("kernel_shape") ?? [];
            var s = a.Ints("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
            var d = a.Ints("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
            pads = new long[2 * spatial];
            for (int i = 0; i < spatial; i++)
            {
                long size = x.shape[2 + i], o = (size + s[i] - 1) / s[i];
                long total = Math.Max(0, (o - 1) * s[i] + (k[i] - 1) * d[i] + 1 - size);
                long small = total / 2, big = total - small;
                (pads[i], pads[i + spatial]) = auto == "SAME_UPPER" ? (small, big) : (big, small);
            }
        }
        bool symmetric = true;
        for (int i = 0; i < spatial; i++) symmetric &= pads[i] == pads[i + spatial];
        if (symmetric) return (x, pads[..spatial]);
        // F.pad takes (last-dim begin, last-dim end, previous dim begin, …).
        var torchPads = new long[2 * spatial];
        for (int i = 0; i < spatial; i++)
        {
            torchPads[2 * i] = pads[spatial - 1 - i];
            torchPads[2 * i + 1] = pads[2 * spatial - 1 - i];
        }
        return (F.pad(x, torchPads, TorchSharp.PaddingModes.Constant, padValue), new long[spatial]);
    }

    static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();

    static Tensor[] Conv(NodeArgs a)
    {
        var x = a[0];
        int spatial = (int)x.dim() - 2;
        var (input, pads) = Pads(a, x, spatial, 0);
        var strides = a.Ints("strides") ?? Ones(spatial);
        var dilations = a.Ints("dilations") ?? Ones(spatial);
        long groups = a.Int("group", 1);
        var bias = a.Optional(2);
        return spatial switch
        {
            1 => [F.conv1d(input, a[1], bias, strides[0], pads[0], dilations[0], groups)],
            2 => [F.conv2d(input, a[1], bias, strides, pads, dilations, groups)],
            3 => [F.conv3d(input, a[1], bias, strides, pads, dilations, groups)],
            _ => throw new NotSupportedException($"Conv over {spatial} spatial dimensions"),
        };
    }

    static Tensor[] Gemm(NodeArgs a)
    {
        float alpha = a.Float("alpha", 1), beta = a.Float("beta", 1);
        var A = a.Int("transA", 0) != 0 ? a[0].t() : a[0];
        var c = a.Optional(2);
        if (a.Int("transB", 0) != 0 && alpha == 1 && (beta == 1 || c is null))
            return [F.linear(A, a[1], c)]; // the common exported form, one fused kernel
        var B = a.Int("transB", 0) != 0 ? a[1].t() : a[1];
        var y = A.matmul(B);
        if (alpha != 1) y = y.mul(Of(alpha));
        if (c is not null) y = y.add(beta == 1 ? c : c.mul(Of(beta)), One);
        return [y];
    }

    static Tensor[] MaxPool(NodeArgs a)
    {
        var x = a[0];
        int spatial = (int)x.dim() - 2;
        var (input, pads) = Pads(a, x, spatial, double.NegativeInfinity);
        var k = a.Ints("kernel_shape")!;
        var s = a.Ints("strides") ?? Ones(spatial);
        var d = a.Ints("dilations") ?? Ones(spatial);
        bool ceil = a.Int("ceil_mode", 0) != 0;
        return spatial switch
        {
            1 => [F.max_pool1d(input, k[0], s[0], pads[0], d[0], ceil)],
            2 => [F.max_pool2d(input, k, s, pads, d, ceil)],
            _ => throw new NotSupportedException($"MaxPool over {spatial} spatial dimensions"),
        };
    }

    static Tensor[] AveragePool(NodeArgs a)
    {
        var x = a[0];
        int spatial = (int)x.dim() - 2;
        bool countPad = a.Int("count_include_pad", 0) != 0;
        var (input, pads) = Pads(a, x, spatial, 0);
        if (!ReferenceEquals(input, x) && !countPad)
            throw new NotSupportedException("AveragePool with asymmetric pads and count_include_pad=0");
        var k = a.Ints("kernel_shape")!;
        var s = a.Ints("strides") ?? Ones(spatial);
        bool ceil = a.Int("ceil_mode", 0) != 0;
        return spatial switch
        {
            2 => [F.avg_pool2d(input, k, s, pads, ceil, countPad)],
            _ => throw new NotSupportedException($"AveragePool over {spatial} spatial dimensions"),
        };
    }

    /// <summary>Inference-mode BatchNorm (running statistics). Normalize folds BN into convolutions, so this is the fallback for unfoldable ones.</summary>
    static Tensor[] BatchNorm(NodeArgs a) =>
        [F.batch_norm(a[0], a[3], a[4], a[1], a[2], training: false, momentum: 0, eps: a.Float("epsilon", 1e-5f))];

    static Tensor[] LayerNorm(NodeArgs a)
    {
        var x = a[0];
        long axis = Host.Axis(a.Int("axis", -1), x.dim());
        var shape = x.shape[(int)axis..];
        return [F.layer_norm(x, shape, a[1], a.Optional(2), a.Float("epsilon", 1e-5f))];
    }

    static Tensor[] Clip(NodeArgs a)
    {
        // Opset ≥ 11: bounds are optional inputs (Normalize upgrades older attribute forms).
        var lo = a.Optional(1);
        var hi = a.Optional(2);
        var x = a[0];
        if (lo is not null) x = x.clamp_min(Of(Host.Float(lo)));
        if (hi is not null) x = x.clamp_max(Of(Host.Float(hi)));
        return [ReferenceEquals(x, a[0]) ? x.alias() : x];
    }
}
