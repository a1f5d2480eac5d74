namespace Quanta.Detect.Inference;

/// <summary>
/// RGB24 frame → the model's NCHW float input: bilinear resize to the input size, then
/// (pixel − Mean) / Std per value. The per-column and per-row sampling tables are computed once
/// per source size, so the per-frame work is arithmetic only.
/// </summary>
public sealed class Preprocessor(int width, int height, float mean, float std)
{
    int _sourceWidth = -1, _sourceHeight = -1;
    int[] _x0 = [], _y0 = [];
    float[] _fx = [], _fy = [];
    readonly float _scale = 1f / std, _offset = -mean / std;

    public int Width => width;
    public int Height => height;

    public void Run(ReadOnlySpan<byte> rgb, int sourceWidth, int sourceHeight, Span<float> input)
    {
        if (sourceWidth != _sourceWidth || sourceHeight != _sourceHeight) BuildTables(sourceWidth, sourceHeight);
        int plane = width * height;
        int row = sourceWidth * 3;
        for (int y = 0; y < height; y++)
        {
            int r0 = _y0[y] * row, r1 = Math.Min(_y0[y] + 1, sourceHeight - 1) * row;
            float fy = _fy[y];
            for (int x = 0; x < width; x++)
            {
                int c0 = _x0[x] * 3, c1 = Math.Min(_x0[x] + 1, sourceWidth - 1) * 3;
                float fx = _fx[x];
                int o = y * width + x;
                for (int c = 0; c < 3; c++)
                {
                    float top = rgb[r0 + c0 + c] + (rgb[r0 + c1 + c] - rgb[r0 + c0 + c]) * fx;
                    float bottom = rgb[r1 + c0 + c] + (rgb[r1 + c1 + c] - rgb[r1 + c0 + c]) * fx;
                    input[c * plane + o] = (top + (bottom - top) * fy) * _scale + _offset;
                }
            }
        }
    }

    void BuildTables(int sourceWidth, int sourceHeight)
    {
        (_x0, _fx) = Table(sourceWidth, width);
        (_y0, _fy) = Table(sourceHeight, height);
        (_sourceWidth, _sourceHeight) = (sourceWidth, sourceHeight);
    }

    /// <summary>Half-pixel-centre sampling positions (as OpenCV's and PIL's bilinear resize).</summary>
    static (int[] Index, float[] Fraction) Table(int source, int target)
    {
        var index = new int[target];
        var fraction = new float[target];
        double scale = (double)source / target;
        for (int i = 0; i < target; i++)
        {
            double s = Math.Clamp((i + 0.5) * scale - 0.5, 0, source - 1);
            index[i] = (int)s;
            fraction[i] = (float)(s - index[i]);
        }
        return (index, fraction);
    }
}
