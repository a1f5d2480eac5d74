using System.Text.Json;
using System.Text.Json.Serialization;
using Quanta.Calibration;
using Quanta.Numerics;

namespace Quanta.Quantization;

/// <summary>Per-node overrides in a recipe file: keep a node float, or change its types.</summary>
public sealed record NodeOverride(bool? Quantize = null, QuantType? ActivationType = null, QuantType? WeightType = null, bool? PerChannel = null);

/// <summary>
/// Everything a user can ask of static quantization, typed, with defaults in code and a
/// <see cref="Validate"/> that reports every problem at once. Null means "let the target decide"
/// (see <see cref="Target"/>); <see cref="Resolve"/> turns it into a <see cref="ResolvedRecipe"/> once.
/// Serialises to and from JSON (the --recipe file).
/// </summary>
public sealed record QuantRecipe
{
    public QuantFormat Format { get; init; } = QuantFormat.Qdq;
    public Target? Target { get; init; }
    public QuantType? ActivationType { get; init; }
    public QuantType? WeightType { get; init; }
    public bool? PerChannel { get; init; }
    public bool? SymmetricWeights { get; init; }
    public bool? SymmetricActivations { get; init; }
    public bool? ReduceRange { get; init; }
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Auto;
    public double Percentile { get; init; } = 99.99;
    public float Sigmas { get; init; } = 3f;
    public int CalibCount { get; init; } = 512;
    public int CalibBatch { get; init; } = 32;
    public int Seed { get; init; }
    /// <summary>SmoothQuant migration strength α in (0, 1] (null: off); see <see cref="Recovery.SmoothQuant"/>.</summary>
    public double? SmoothQuant { get; init; }
    /// <summary>Cross-layer equalization before calibration (see <see cref="Recovery.CrossLayerEqualization"/>).</summary>
    public bool Equalize { get; init; }
    /// <summary>Empirical bias correction after planning (see <see cref="Recovery.BiasCorrection"/>).</summary>
    public bool BiasCorrection { get; init; }
    /// <summary>AdaRound weight rounding after planning (see <see cref="Recovery.AdaRound"/>).</summary>
    public bool AdaRound { get; init; }
    public int AdaRoundIters { get; init; } = Recovery.RecoveryOptions.DefaultAdaRoundIterations;
    /// <summary>Only these op types are quantized (null = every supported op type).</summary>
    public string[]? OpTypes { get; init; }
    /// <summary>Node names or glob patterns (* and ?) kept in float.</summary>
    public string[] Exclude { get; init; } = [];
    /// <summary>Per node name (or glob pattern) overrides; later entries win.</summary>
    public Dictionary<string, NodeOverride> Nodes { get; init; } = new();

    public List<string> Validate()
    {
        var problems = new List<string>();
        void Check(Action a)
        {
            try { a(); }
            catch (QuantaException e) { problems.Add(e.Message); }
        }
        if (Percentile is <= 50 or > 100) problems.Add($"{nameof(Percentile)} must be in (50, 100], got {Percentile}");
        if (Sigmas <= 0) problems.Add($"{nameof(Sigmas)} must be positive, got {Sigmas}");
        if (CalibCount < 1) problems.Add($"{nameof(CalibCount)} must be at least 1, got {CalibCount}");
        if (CalibBatch < 1) problems.Add($"{nameof(CalibBatch)} must be at least 1, got {CalibBatch}");
        if (SmoothQuant is { } alpha) Check(() => Recovery.SmoothQuant.Validate(alpha));
        problems.AddRange(RecoveryOptions.Validate());
        // 4-bit activations run as opset-21 QuantizeLinear/DequantizeLinear pairs; no integer operator takes them.
        if (Format == QuantFormat.QOperator && ActivationType is QuantType.Int4 or QuantType.UInt4)
            problems.Add($"{nameof(ActivationType)}: 4-bit activations need the qdq format (no integer operator takes them)");
        return problems;
    }

    public Recovery.RecoveryOptions RecoveryOptions => new(Equalize, BiasCorrection, AdaRound, AdaRoundIters);

    /// <summary>Applies the target's defaults to every open choice.</summary>
    public ResolvedRecipe Resolve(Runtime.Hardware hardware)
    {
        var problems = Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems.Count == 1 ? problems[0] : $"{problems[0]} (and {problems.Count - 1} more problems)");
        var target = Target ?? Targets.For(hardware);
        var weightType = WeightType ?? target.WeightType;
        var activationType = ActivationType ?? target.ActivationType;
        // 4-bit weights never meet u8×s8 saturation (they are unpacked to 8 bits with room to spare).
        bool reduceRange = ReduceRange ?? (target.ReduceRangeInt8Weights && weightType == QuantType.Int8);
        return new ResolvedRecipe(
            Format, target, activationType, weightType,
            PerChannel ?? true,
            SymmetricWeights ?? true,
            SymmetricActivations ?? false,
            reduceRange,
            Method,
            new CalibrationSettings(Percentile, Sigmas),
            CalibCount, CalibBatch, Seed,
            OpTypes, Exclude, Nodes, SmoothQuant)
        { Recovery = RecoveryOptions };
    }

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Option enums (quantized types included) and targets carry their own converters (the names users type; see OptionNames).
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static QuantRecipe FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<QuantRecipe>(json, JsonOptions) ?? throw QuantaException.BadInput($"{source}: empty recipe");
        }
        catch (JsonException e)
        {
            throw QuantaException.BadInput($"{source}: not a valid recipe ({e.Message.Split('\n')[0]})");
        }
    }
}

/// <summary>A recipe with every choice made: what the planner and rewriter read.</summary>
public sealed record ResolvedRecipe(
    QuantFormat Format,
    Target Target,
    QuantType ActivationType,
    QuantType WeightType,
    bool PerChannel,
    bool SymmetricWeights,
    bool SymmetricActivations,
    bool ReduceRange,
    CalibrationMethod Method,
    CalibrationSettings Calibration,
    int CalibCount,
    int CalibBatch,
    int Seed,
    string[]? OpTypes,
    string[] Exclude,
    Dictionary<string, NodeOverride> Nodes,
    double? SmoothQuant = null)
{
    /// <summary>Accuracy recovery around planning (none by default).</summary>
    public Recovery.RecoveryOptions Recovery { get; init; } = Quanta.Recovery.RecoveryOptions.None;

    /// <summary>
    /// Nodes kept float by a plan transform (latency placement), keyed by the node's first output
    /// (unique, and present where node names are not), with the reason the summary shows.
    /// </summary>
    public IReadOnlyDictionary<string, string> ForcedFloat { get; init; } = new Dictionary<string, string>();

    public QuantSpec ActivationSpec => new(ActivationType, SymmetricActivations);
    public QuantSpec WeightSpec => new(WeightType, SymmetricWeights, ReduceRange);

    /// <summary>One line for people and for the model's metadata.</summary>
    public string Describe() =>
        $"{OptionNames.Of(Format)}, activations {ActivationType.Name()}{(SymmetricActivations ? " symmetric" : "")}, " +
        $"weights {WeightType.Name()}{(ReduceRange ? " 7-bit" : "")}{(SymmetricWeights ? " symmetric" : "")} {(PerChannel ? "per-channel" : "per-tensor")}, " +
        $"calibration {OptionNames.Of(Method)}{(SmoothQuant is { } a ? $", smoothquant {a:0.##}" : "")}, target {Target.Name}" +
        (Recovery.Describe() is { Length: > 0 } r ? $", {r}" : "");
}
