namespace Quanta.Data;

/// <summary>
/// The per-channel affine map raw value → model input, folded from "scale to [0, 1], then
/// (x − mean[c]) / std[c]" into one multiply-add: <c>x * Scale[c] + Offset[c]</c>.
/// </summary>
internal sealed class Normalization
{
    public float[] Scale { get; }
    public float[] Offset { get; }
    public int Channels => Scale.Length;
    readonly double[] _mean, _std;
    readonly double _rawMax;

    Normalization(float[] scale, float[] offset, double[] mean, double[] std, double rawMax)
    {
        Scale = scale; Offset = offset; _mean = mean; _std = std; _rawMax = rawMax;
    }

    /// <summary>The exact map in double precision, for lookup tables (one rounding instead of three).</summary>
    public float Exact(double raw, int channel) => (float)((raw / _rawMax - _mean[channel]) / _std[channel]);

    /// <param name="rawMax">255 for uint8 sources (scaled to [0, 1] first), 1 for float sources taken as they are.</param>
    public static Normalization For(Preprocessing p, int channels, float rawMax, string what)
    {
        Check(p, channels, what);
        var scale = new float[channels];
        var offset = new float[channels];
        var means = new double[channels];
        var stds = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double mean = means[c] = p.Mean.Length == 1 ? p.Mean[0] : p.Mean[c];
            double std = stds[c] = p.Std.Length == 1 ? p.Std[0] : p.Std[c];
            scale[c] = (float)(1.0 / (rawMax * std));
            offset[c] = (float)(-mean / std);
        }
        return new Normalization(scale, offset, means, stds, rawMax);
    }

    /// <summary>Mean/std must be one value, or one per channel; std must be a finite non-zero number.</summary>
    public static void Check(Preprocessing p, int channels, string what)
    {
        if (p.Mean is null || p.Std is null || p.Mean.Length == 0 || p.Std.Length == 0)
            throw QuantaException.BadInput($"{what}: mean and std need at least one value");
        if (p.Mean.Length != 1 && p.Mean.Length != channels)
            throw QuantaException.BadInput($"{what}: {p.Mean.Length} mean values for {channels} channel(s); give 1 or {channels}");
        if (p.Std.Length != 1 && p.Std.Length != channels)
            throw QuantaException.BadInput($"{what}: {p.Std.Length} std values for {channels} channel(s); give 1 or {channels}");
        foreach (var m in p.Mean)
            if (!float.IsFinite(m)) throw QuantaException.BadInput($"{what}: mean {m} is not a finite number");
        foreach (var s in p.Std)
            if (!float.IsFinite(s) || s == 0f) throw QuantaException.BadInput($"{what}: std {s} must be a finite non-zero number");
    }
}
