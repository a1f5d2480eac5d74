using System.Text.Json;
using System.Text.Json.Serialization;
using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// Calibration output: per tensor name, its statistics and chosen range. Round-trips through JSON so
/// calibrating and quantizing can be separate steps.
/// </summary>
internal sealed class CalibrationResult
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public CalibrationMethod Method { get; init; }
    public CalibrationSettings Settings { get; init; } = new();
    public Dictionary<string, TensorStats> Tensors { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="observer"/>'s statistics and the range it chooses for <paramref name="spec"/>.</summary>
    public TensorStats Add(string tensor, IObserver observer, QuantSpec spec)
    {
        var (lo, hi) = observer.Range(spec);
        float min = lo, max = hi;
        long[]? counts = null;
        double range = 0;
        if (observer is IStatsSource src)
        {
            (min, max) = (src.Min, src.Max);
            if (src.Histogram is { } h)
            {
                counts = h.Counts.ToArray();
                range = h.Range;
            }
        }
        var stats = new TensorStats(min, max, observer.Count, lo, hi, counts, range);
        Tensors[tensor] = stats;
        return stats;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CalibrationResult FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<CalibrationResult>(json, Json)
                ?? throw QuantaException.BadInput("calibration file is empty");
        }
        catch (JsonException e)
        {
            throw QuantaException.BadInput($"calibration file is not valid: {e.Message}", e);
        }
    }

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static CalibrationResult Load(string path)
    {
        if (!File.Exists(path)) throw QuantaException.BadInput($"calibration file '{path}' not found");
        return FromJson(File.ReadAllText(path));
    }
}
