using Quanta.Onnx;

namespace Quanta.IR;

internal static partial class ShapeRules
{
    /// <summary>Conv, ConvInteger and QLinearConv: [N, M, out...] from X, W, strides, pads, dilations.</summary>
    static void Conv(InferenceContext c)
    {
        bool qlinear = c.Node.OpType == "QLinearConv";
        int wIndex = qlinear ? 3 : 1;
        int outType = c.Node.OpType switch
        {
            "ConvInteger" => DataTypes.Int32,
            "QLinearConv" => c.HasInput(7) ? c.Type(7) : c.Type(0),
            _ => c.Type(0),
        };
        var x = c.Shape(0);
        var w = c.Shape(wIndex);
        if (x is null || x.Length < 3) { c.Set(0, outType, x is null ? null : new Dim[x.Length]); return; }
        int spatial = x.Length - 2;
        var kernel = c.IntsAttr("kernel_shape") ?? KernelFromWeights(w, spatial);
        var output = new Dim[x.Length];
        output[0] = x[0];
        output[1] = w is { Length: > 0 } ? w[0] : Dim.Unknown;
        SpatialOutput(c, x, kernel, output, ceil: false);
        c.Set(0, outType, output);
    }

    static long[]? KernelFromWeights(Dim[]? w, int spatial)
    {
        if (w is null || w.Length != spatial + 2) return null;
        var k = new long[spatial];
        for (int i = 0; i < spatial; i++) k[i] = w[i + 2].Value;
        return k;
    }

    /// <summary>Fills output[2..] with the sliding-window sizes shared by Conv and pooling.</summary>
    static void SpatialOutput(InferenceContext c, Dim[] x, long[]? kernel, Dim[] output, bool ceil)
    {
        int spatial = x.Length - 2;
        var strides = c.IntsAttr("strides") ?? Ones(spatial);
        var dilations = c.IntsAttr("dilations") ?? Ones(spatial);
        var pads = c.IntsAttr("pads") ?? new long[2 * spatial];
        string autoPad = c.Str("auto_pad", "NOTSET");
        for (int i = 0; i < spatial; i++)
        {
            var input = x[i + 2];
            if (!input.IsStatic || kernel is null || kernel[i] < 0) { output[i + 2] = Dim.Unknown; continue; }
            long inSize = input.Value, k = kernel[i], s = strides[i], d = dilations[i];
            long effective = d * (k - 1) + 1;
            long size = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => (inSize + s - 1) / s,
                "VALID" => (inSize - effective) / s + 1,
                _ => Window(inSize, pads[i], pads[i + spatial], effective, s, ceil),
            };
            output[i + 2] = Dim.Of(size);
        }
    }

    static long Window(long inSize, long padBegin, long padEnd, long effective, long stride, bool ceil)
    {
        long span = inSize + padBegin + padEnd - effective;
        long size = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // ceil_mode: a last window that would start inside the end padding is dropped.
        if (ceil && (size - 1) * stride >= inSize + padBegin) size--;
        return size;
    }

    static long[] Ones(int n)
    {
        var r = new long[n];
        Array.Fill(r, 1L);
        return r;
    }

    static void ConvTranspose(InferenceContext c)
    {
        var x = c.Shape(0);
        var w = c.Shape(1);
        if (x is null || x.Length < 3) { c.Set(0, c.Type(0), null); return; }
        int spatial = x.Length - 2;
        long group = c.Int("group", 1);
        var output = new Dim[x.Length];
        output[0] = x[0];
        output[1] = w is { Length: > 1 } && w[1].IsStatic ? Dim.Of(w[1].Value * group) : Dim.Unknown;
        var kernel = c.IntsAttr("kernel_shape") ?? KernelFromWeights(w, spatial);
        var strides = c.IntsAttr("strides") ?? Ones(spatial);
        var dilations = c.IntsAttr("dilations") ?? Ones(spatial);
        var outPad = c.IntsAttr("output_padding") ?? new long[spatial];
        var pads = c.IntsAttr("pads") ?? new long[2 * spatial];
        var explicitShape = c.IntsAttr("output_shape");
        string autoPad = c.Str("auto_pad", "NOTSET");
        for (int i = 0; i < spatial; i++)
        {
            if (explicitShape is { } es) { output[i + 2] = Dim.Of(es[es.Length - spatial + i]); continue; }
            var input = x[i + 2];
            if (!input.IsStatic || kernel is null) { output[i + 2] = Dim.Unknown; continue; }
            long size = autoPad is "SAME_UPPER" or "SAME_LOWER"
                ? input.Value * strides[i]
                : strides[i] * (input.Value - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + spatial];
            output[i + 2] = Dim.Of(size);
        }
        c.Set(0, c.Type(0), output);
    }

    static void Pool(InferenceContext c)
    {
        var x = c.Shape(0);
        if (x is null || x.Length < 3) { c.Set(0, c.Type(0), null); return; }
        var output = new Dim[x.Length];
        output[0] = x[0];
        output[1] = x[1];
        SpatialOutput(c, x, c.IntsAttr("kernel_shape"), output, ceil: c.Int("ceil_mode", 0) != 0);
        c.Set(0, c.Type(0), output);
        c.Set(1, DataTypes.Int64, output); // MaxPool's indices
    }

    static void GlobalPool(InferenceContext c)
    {
        var x = c.Shape(0);
        if (x is null) { c.Set(0, c.Type(0), null); return; }
        var output = new Dim[x.Length];
        for (int i = 0; i < x.Length; i++) output[i] = i < 2 ? x[i] : Dim.Of(1);
        c.Set(0, c.Type(0), output);
    }

    static void Resize(InferenceContext c)
    {
        var x = c.Shape(0);
        if (x is null) { c.Set(0, c.Type(0), null); return; }
        bool old = c.Node.OpType == "Upsample" || c.Opset < 11;
        int scalesIndex = old ? 1 : 2, sizesIndex = old ? -1 : 3;
        var output = new Dim[x.Length];
        Array.Fill(output, Dim.Unknown);
        if (sizesIndex > 0 && c.Ints(sizesIndex) is { Length: > 0 } sizes && sizes.Length == x.Length)
        {
            for (int i = 0; i < x.Length; i++) output[i] = Dim.Of(sizes[i]);
        }
        else if (c.Floats(scalesIndex) is { Length: > 0 } scales && scales.Length == x.Length)
        {
            for (int i = 0; i < x.Length; i++)
                output[i] = scales[i] == 1f ? x[i] : x[i].IsStatic ? Dim.Of((long)Math.Floor(x[i].Value * (double)scales[i])) : Dim.Unknown;
        }
        c.Set(0, c.Type(0), output);
    }

    static void Gemm(InferenceContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        bool ta = c.Int("transA", 0) != 0, tb = c.Int("transB", 0) != 0;
        var m = a is { Length: 2 } ? a[ta ? 1 : 0] : Dim.Unknown;
        var n = b is { Length: 2 } ? b[tb ? 0 : 1] : Dim.Unknown;
        c.Set(0, c.Type(0), [m, n]);
    }

    /// <summary>Numpy matmul: 1-D operands are promoted and the added dim dropped; batch dims broadcast.</summary>
    static void MatMul(InferenceContext c, int ia, int ib, int outType)
    {
        var a = c.Shape(ia);
        var b = c.Shape(ib);
        if (a is null || b is null || a.Length == 0 || b.Length == 0) { c.Set(0, outType, null); return; }
        bool aVector = a.Length == 1, bVector = b.Length == 1;
        if (aVector) a = [Dim.Of(1), a[0]];
        if (bVector) b = [b[0], Dim.Of(1)];
        var batch = Broadcast([a[..^2], b[..^2]])!;
        var result = new List<Dim>(batch);
        if (!aVector) result.Add(a[^2]);
        if (!bVector) result.Add(b[^1]);
        c.Set(0, outType, result.ToArray());
    }
}
