using System.Numerics.Tensors;
using Quanta.Onnx.Proto;

namespace Quanta.Recovery;

/// <summary>
/// What a Conv/Gemm layer's weight meets on calibration data, as second moments: for each group,
/// G = Σ p̂ p̂ᵀ over the input patches p̂ the quantized model feeds it and X = Σ p̂ pᵀ against the
/// patches p the float model feeds it (im2col rows, K = C/g·kh·kw for a Conv, the features for a
/// Gemm). The layer's output error ‖W̃p̂ − Wp‖² summed over patches is then a quadratic in W̃
/// (W̃GW̃ᵀ − 2W̃XWᵀ + const), which AdaRound minimises without touching the data again.
/// Patches are sampled on a fixed stride pattern (at most <see cref="PositionsPerImage"/> per image),
/// so the cost does not grow with the feature map and the result is deterministic.
/// </summary>
sealed class LayerPatches
{
    public const int PositionsPerImage = 64;
    const int Chunk = 256;

    readonly LinearLayer _layer;
    readonly int _kh, _kw, _strideH, _strideW, _padTop, _padLeft, _padBottom, _padRight, _dilH, _dilW;
    public int Groups { get; }
    /// <summary>Patch length per group.</summary>
    public int K { get; }
    /// <summary>Per group, K×K, row-major: Σ p̂ p̂ᵀ.</summary>
    public double[][] Gram { get; }
    /// <summary>Per group, K×K, row-major: Σ p̂ pᵀ.</summary>
    public double[][] Cross { get; }
    /// <summary>Number of patches summed (the same for every group).</summary>
    public long Count { get; private set; }
    int _imagesSeen;

    LayerPatches(LinearLayer layer, int groups, int k, int[] conv)
    {
        _layer = layer;
        Groups = groups;
        K = k;
        (_kh, _kw, _strideH, _strideW, _padTop, _padLeft, _padBottom, _padRight, _dilH, _dilW) =
            (conv[0], conv[1], conv[2], conv[3], conv[4], conv[5], conv[6], conv[7], conv[8], conv[9]);
        Gram = new double[groups][];
        Cross = new double[groups][];
        for (int g = 0; g < groups; g++) { Gram[g] = new double[k * k]; Cross[g] = new double[k * k]; }
    }

    /// <summary>Statistics for a 2-D Conv (explicit or no padding) or a Gemm; null for layouts it does not cover.</summary>
    public static LayerPatches? For(LinearLayer layer)
    {
        var n = layer.Node;
        if (n.OpType == "Gemm") return new LayerPatches(layer, 1, layer.RowLength, [1, 1, 1, 1, 0, 0, 0, 0, 1, 1]);
        if (layer.WeightShape.Length != 4) return null;
        string autoPad = n.Attribute.FirstOrDefault(a => a.Name == "auto_pad") is { } ap ? ap.S.ToStringUtf8() : "NOTSET";
        if (autoPad is not ("NOTSET" or "VALID" or "")) return null;
        long[] Ints(string name, long[] fallback) => n.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.Ints.ToArray() : fallback;
        var pads = Ints("pads", [0, 0, 0, 0]);
        var strides = Ints("strides", [1, 1]);
        var dil = Ints("dilations", [1, 1]);
        int kh = (int)layer.WeightShape[2], kw = (int)layer.WeightShape[3];
        int k = (int)layer.WeightShape[1] * kh * kw;
        return new LayerPatches(layer, layer.Groups, k,
            [kh, kw, (int)strides[0], (int)strides[1], (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3], (int)dil[0], (int)dil[1]]);
    }

    /// <summary>Adds one batch: the layer's input as the quantized model computes it and as the float model does.</summary>
    public void Add(ReadOnlySpan<float> quantized, ReadOnlySpan<float> reference, long[] shape)
    {
        int batch = (int)shape[0];
        if (_layer.Node.OpType == "Gemm")
        {
            var pq = new float[K * Chunk];
            var pf = new float[K * Chunk];
            for (int start = 0; start < batch; start += Chunk)
            {
                int m = Math.Min(Chunk, batch - start);
                for (int i = 0; i < m; i++)
                    for (int k = 0; k < K; k++)
                    {
                        pq[k * Chunk + i] = quantized[(start + i) * K + k];
                        pf[k * Chunk + i] = reference[(start + i) * K + k];
                    }
                Accumulate(0, pq, pf, m);
            }
            Count += batch;
            _imagesSeen += batch;
            return;
        }
        int c = (int)shape[1], h = (int)shape[2], w = (int)shape[3];
        int oh = (h + _padTop + _padBottom - _dilH * (_kh - 1) - 1) / _strideH + 1;
        int ow = (w + _padLeft + _padRight - _dilW * (_kw - 1) - 1) / _strideW + 1;
        int positions = oh * ow, step = Math.Max(1, (positions + PositionsPerImage - 1) / PositionsPerImage);
        // The sampled output positions of every image in the batch, as (image, y, x).
        var picked = new List<(int Image, int Y, int X)>();
        for (int b = 0; b < batch; b++)
        {
            int offset = (_imagesSeen + b) % step;
            for (int p = offset; p < positions; p += step) picked.Add((b, p / ow, p % ow));
        }
        int perGroup = c / Groups;
        var bufQ = new float[K * Chunk];
        var bufF = new float[K * Chunk];
        for (int g = 0; g < Groups; g++)
            for (int start = 0; start < picked.Count; start += Chunk)
            {
                int m = Math.Min(Chunk, picked.Count - start);
                for (int i = 0; i < m; i++)
                {
                    var (b, y, x) = picked[start + i];
                    int k = 0;
                    for (int ci = 0; ci < perGroup; ci++)
                    {
                        int plane = (b * c + g * perGroup + ci) * h * w;
                        for (int ky = 0; ky < _kh; ky++)
                        {
                            int iy = y * _strideH - _padTop + ky * _dilH;
                            for (int kx = 0; kx < _kw; kx++, k++)
                            {
                                int ix = x * _strideW - _padLeft + kx * _dilW;
                                bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                bufQ[k * Chunk + i] = inside ? quantized[plane + iy * w + ix] : 0f;
                                bufF[k * Chunk + i] = inside ? reference[plane + iy * w + ix] : 0f;
                            }
                        }
                    }
                }
                Accumulate(g, bufQ, bufF, m);
            }
        Count += picked.Count;
        _imagesSeen += batch;
    }

    /// <summary>Adds the outer products of <paramref name="m"/> patches stored feature-major (K rows of <see cref="Chunk"/>).</summary>
    void Accumulate(int group, float[] q, float[] f, int m)
    {
        var gram = Gram[group];
        var cross = Cross[group];
        for (int i = 0; i < K; i++)
        {
            var qi = q.AsSpan(i * Chunk, m);
            for (int j = i; j < K; j++)
            {
                double d = TensorPrimitives.Dot(qi, q.AsSpan(j * Chunk, m));
                gram[i * K + j] += d;
                if (j != i) gram[j * K + i] += d;
            }
            for (int j = 0; j < K; j++) cross[i * K + j] += TensorPrimitives.Dot(qi, f.AsSpan(j * Chunk, m));
        }
    }

    public NodeProto Node => _layer.Node;
}
