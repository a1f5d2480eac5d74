using Quanta.Calibration;

namespace Quanta.Analysis;

/// <summary>
/// The accuracy target and budget of a mixed-precision search. The target is the float model's
/// score under <see cref="Scoring"/>'s metric (in points: top-1 %, agreement %, cosine × 100, or
/// 100 − noise %) minus <see cref="MaxDropPoints"/> points and/or minus <see cref="MaxRelDropPercent"/>
/// percent of it (the stricter wins).
/// </summary>
public sealed record TuneOptions(
    double? MaxDropPoints = null,
    double? MaxRelDropPercent = null,
    int MaxTrials = 40,
    CalibrationMethod[]? Methods = null,
    int BatchSize = 64)
{
    /// <summary>Which output and metric candidates are scored with (null metric: the default for the data).</summary>
    public ScoreOptions Scoring => new(BatchSize, Output, Metric);
    public string? Output { get; init; }
    public Metric? Metric { get; init; }
    /// <summary>Try bias correction and AdaRound as candidates (where weights are below 8 bits or per tensor).</summary>
    public bool Recovery { get; init; } = true;

    /// <summary>Calibrators tried on the full-integer recipe (all derived from one calibration pass).</summary>
    public CalibrationMethod[] CalibrationMethods => Methods ?? [CalibrationMethod.MinMax, CalibrationMethod.Percentile, CalibrationMethod.Entropy, CalibrationMethod.Mse];

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (MaxDropPoints is null && MaxRelDropPercent is null) problems.Add($"give an accuracy target: {nameof(MaxDropPoints)} and/or {nameof(MaxRelDropPercent)}");
        if (MaxDropPoints is < 0 or > 100) problems.Add($"{nameof(MaxDropPoints)} must be between 0 and 100 points");
        if (MaxRelDropPercent is < 0 or > 100) problems.Add($"{nameof(MaxRelDropPercent)} must be between 0 and 100 percent");
        if (MaxTrials < 1) problems.Add($"{nameof(MaxTrials)} must be at least 1");
        if (BatchSize < 1) problems.Add($"{nameof(BatchSize)} must be at least 1");
        return problems;
    }

    /// <summary>Lowest acceptable score, in points, for a float model scoring <paramref name="reference"/> points.</summary>
    public double Target(double reference)
    {
        double target = double.NegativeInfinity;
        if (MaxDropPoints is { } p) target = Math.Max(target, reference - p);
        if (MaxRelDropPercent is { } r) target = Math.Max(target, reference * (1 - r / 100));
        return target;
    }
}
