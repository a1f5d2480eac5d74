namespace Quanta.Data;

/// <summary>
/// Turns one decoded 8-bit image (interleaved, any size and channel count) into a model input
/// sample: channel conversion, bilinear resize + centre crop, scale/normalise, and layout.
/// One instance per enumeration: it keeps scratch buffers and the last resize plan.
/// </summary>
internal sealed class ImageTransform
{
    readonly int _height, _width, _channels;
    readonly bool _resize;
    readonly Layout _layout;
    readonly Normalization _norm;
    // Without resizing every output value is a function of one byte: a 256-entry table per channel.
    readonly float[][] _lut;
    byte[] _converted = [];
    ResizePlan? _plan;

    /// <param name="height">Output height; with width 0 and 0 the source size is kept (and must equal the source height).</param>
    public ImageTransform(int height, int width, int channels, Layout layout, Normalization norm)
    {
        _resize = height > 0 && width > 0;
        _height = height;
        _width = width;
        _channels = channels;
        _layout = layout;
        _norm = norm;
        _lut = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            var t = new float[256];
            for (int v = 0; v < 256; v++) t[v] = norm.Exact(v, c);
            _lut[c] = t;
        }
    }

    /// <summary>Output sample shape for an output size of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static long[] Shape(int height, int width, int channels, Layout layout) =>
        layout == Layout.Nchw ? [channels, height, width] : [height, width, channels];

    /// <summary>
    /// Writes one sample. <paramref name="pixels"/> is row-major, interleaved, <paramref name="sourceChannels"/>
    /// bytes per pixel. When no output size was set the source is taken at its own size.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> pixels, int sourceWidth, int sourceHeight, int sourceChannels, Span<float> destination)
    {
        if (sourceChannels != _channels)
        {
            int need = sourceWidth * sourceHeight * _channels;
            if (_converted.Length < need) _converted = new byte[need];
            ImageOps.ConvertChannels(pixels, sourceChannels, _converted.AsSpan(0, need), _channels);
            pixels = _converted.AsSpan(0, need);
        }

        if (!_resize || (sourceWidth == _width && sourceHeight == _height))
            Direct(pixels, sourceWidth, sourceHeight, destination);
        else
            Resized(pixels, sourceWidth, sourceHeight, destination);
    }

    void Direct(ReadOnlySpan<byte> pixels, int w, int h, Span<float> dst)
    {
        int plane = w * h, c = _channels;
        if (c == 1)
        {
            // Grey: NCHW and NHWC are the same memory.
            var lut = _lut[0];
            for (int i = 0; i < plane; i++) dst[i] = lut[pixels[i]];
            return;
        }
        for (int ch = 0; ch < c; ch++)
        {
            var lut = _lut[ch];
            if (_layout == Layout.Nchw)
            {
                var outPlane = dst.Slice(ch * plane, plane);
                for (int i = 0; i < plane; i++) outPlane[i] = lut[pixels[i * c + ch]];
            }
            else
            {
                for (int i = 0; i < plane; i++) dst[i * c + ch] = lut[pixels[i * c + ch]];
            }
        }
    }

    void Resized(ReadOnlySpan<byte> pixels, int sw, int sh, Span<float> dst)
    {
        if (_plan is null || _plan.SourceWidth != sw || _plan.SourceHeight != sh)
            _plan = new ResizePlan(sw, sh, _height, _width);
        var p = _plan;
        int c = _channels, h = _height, w = _width, plane = h * w;
        int rowStride = sw * c;
        var scale = _norm.Scale;
        var offset = _norm.Offset;
        bool planar = _layout == Layout.Nchw;
        for (int y = 0; y < h; y++)
        {
            int r0 = p.Y0[y] * rowStride, r1 = p.Y1[y] * rowStride;
            float fy = p.FY[y];
            for (int x = 0; x < w; x++)
            {
                int a = p.X0[x] * c, b = p.X1[x] * c;
                float fx = p.FX[x];
                for (int ch = 0; ch < c; ch++)
                {
                    float top = pixels[r0 + a + ch] + (pixels[r0 + b + ch] - pixels[r0 + a + ch]) * fx;
                    float bottom = pixels[r1 + a + ch] + (pixels[r1 + b + ch] - pixels[r1 + a + ch]) * fx;
                    float v = top + (bottom - top) * fy;
                    int o = planar ? ch * plane + y * w + x : (y * w + x) * c + ch;
                    dst[o] = v * scale[ch] + offset[ch];
                }
            }
        }
    }
}
