using System.CommandLine;
using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Quantization.WeightOnly;
using Quanta.Runtime;

namespace Quanta.Cli.Commands;

/// <summary>
/// The static-quantization recipe options, defined once and turned into a <see cref="QuantRecipe"/>
/// in one place for every verb that takes them (quantize, sensitivity, tune): a recipe file first,
/// then each flag given on the command line overrides it.
/// </summary>
sealed class RecipeFlags(string fileFlag)
{
    public readonly Option<string?> File = new(fileFlag) { Description = "A JSON recipe: any option below plus per-node overrides" };
    public readonly Option<FormatName?> Format = FormatName.Option("--format", "static: qdq (portable, default) or qoperator (integer operators); weight-only: matmulnbits (default) or qdq");
    public readonly Option<Target?> Target = EnumOption.Choice<Target?>("--target", $"Target CPU: {Targets.Expected} (default: this machine)",
        [.. Targets.All.Select(t => t.Name)], (string text, out Target? target) => (target = Targets.Find(text)) is not null, null);
    public readonly Option<QuantType?> ActivationType = EnumOption.Optional<QuantType>("--activation-type", "uint8 (default), int8, uint16, int16, uint4 or int4 (4-bit: QDQ only)");
    public readonly Option<QuantType?> WeightType = EnumOption.Optional<QuantType>("--weight-type", "int8 (default), uint8, int4, uint4 or int16");
    public readonly Option<bool?> PerChannel = new("--per-channel") { Description = "Weights per output channel (default true; --per-channel false for per-tensor)" };
    public readonly Option<bool?> SymmetricWeights = new("--symmetric-weights") { Description = "Symmetric weight ranges (default true)" };
    public readonly Option<bool?> SymmetricActivations = new("--symmetric-activations") { Description = "Symmetric activation ranges (default false)" };
    public readonly Option<bool?> ReduceRange = new("--reduce-range") { Description = "7-bit int8 weights (default: on where ONNX Runtime's u8×s8 kernels saturate, measured at start-up)" };
    public readonly Option<CalibrationMethod?> Method = EnumOption.Optional<CalibrationMethod>("--method", "Calibration: auto (default: scores minmax, percentile, entropy and mse on held-out samples, keeps the best), minmax, moving-average, meanstd, percentile, entropy, mse");
    public readonly Option<double?> Percentile = new("--percentile") { Description = "Percentile for --method percentile (default 99.99)" };
    public readonly Option<double?> SmoothQuant = new("--smoothquant") { Description = "SmoothQuant: move activation outliers into MatMul/Gemm weights with strength ALPHA in (0, 1] (0.5 is typical; static only); each site keeps ALPHA, ALPHA ± 0.25 or none, whichever its quantized outputs favour", HelpName = "ALPHA" };
    public readonly Option<int?> CalibCount = new("--calib-count") { Description = "Calibrate on a seeded subset of N samples (default 512)" };
    public readonly Option<string[]> OpTypes = CommonOptions.Many("--op-types", "Quantize only these op types (comma separated)");
    public readonly Option<string[]> Exclude = CommonOptions.Many("--exclude", "Keep these nodes float: names or patterns with * and ?");
    public readonly Option<bool?> Equalize = new("--equalize") { Description = "Cross-layer equalization before calibration: balances channel ranges of consecutive Conv/Gemm layers (outputs unchanged)" };
    public readonly Option<bool?> BiasCorrection = new("--bias-correction") { Description = "Fold each quantized layer's mean output error on the calibration data into its bias, layer by layer" };
    public readonly Option<bool?> AdaRound = new("--adaround") { Description = "Learn each weight's rounding (up or down) to reconstruct its layer's float output on the calibration data" };
    public readonly Option<int?> AdaRoundIters = new("--adaround-iters") { Description = "Optimisation steps per layer for --adaround (default 1000)" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { File, Format, Target, ActivationType, WeightType, PerChannel, SymmetricWeights, SymmetricActivations,
                     ReduceRange, Method, Percentile, SmoothQuant, CalibCount, OpTypes, Exclude, Equalize, BiasCorrection, AdaRound, AdaRoundIters })
            command.Options.Add(o);
    }

    /// <summary>The recipe the command line describes, before the target fills in its defaults.</summary>
    public QuantRecipe Recipe(ParseResult parse, DataFlags flags)
    {
        var recipe = new QuantRecipe();
        if (parse.GetValue(File) is { } file)
        {
            if (!System.IO.File.Exists(file)) throw QuantaException.BadInput($"{fileFlag}: file not found: {file}");
            recipe = QuantRecipe.FromJson(System.IO.File.ReadAllText(file), file);
        }
        return recipe with
        {
            Format = parse.GetValue(Format) is { } f ? f.For<QuantFormat>("static quantization") : recipe.Format,
            Target = parse.GetValue(Target) ?? recipe.Target,
            ActivationType = parse.GetValue(ActivationType) ?? recipe.ActivationType,
            WeightType = parse.GetValue(WeightType) ?? recipe.WeightType,
            PerChannel = parse.GetValue(PerChannel) ?? recipe.PerChannel,
            SymmetricWeights = parse.GetValue(SymmetricWeights) ?? recipe.SymmetricWeights,
            SymmetricActivations = parse.GetValue(SymmetricActivations) ?? recipe.SymmetricActivations,
            ReduceRange = parse.GetValue(ReduceRange) ?? recipe.ReduceRange,
            Method = parse.GetValue(Method) ?? recipe.Method,
            Percentile = parse.GetValue(Percentile) ?? recipe.Percentile,
            SmoothQuant = parse.GetValue(SmoothQuant) ?? recipe.SmoothQuant,
            CalibCount = parse.GetValue(CalibCount) ?? recipe.CalibCount,
            Seed = parse.GetValue(flags.Seed),
            OpTypes = Split(parse.GetValue(OpTypes)) ?? recipe.OpTypes,
            Exclude = Split(parse.GetValue(Exclude)) ?? recipe.Exclude,
            Equalize = parse.GetValue(Equalize) ?? recipe.Equalize,
            BiasCorrection = parse.GetValue(BiasCorrection) ?? recipe.BiasCorrection,
            AdaRound = parse.GetValue(AdaRound) ?? recipe.AdaRound,
            AdaRoundIters = parse.GetValue(AdaRoundIters) ?? recipe.AdaRoundIters,
        };
    }

    public ResolvedRecipe Resolve(ParseResult parse, DataFlags flags) => Recipe(parse, flags).Resolve(Hardware.Detect());

    static string[]? Split(string[]? values) =>
        values is null || values.Length == 0 ? null : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}

/// <summary>
/// What <c>--format</c> names: a static format (qdq, qoperator) or a weight-only one (matmulnbits, qdq),
/// checked against the union when parsed; the mode then takes the value of its own type.
/// </summary>
sealed record FormatName(string Text)
{
    public T For<T>(string mode) where T : struct, Enum =>
        OptionNames.TryParse(Text, out T value) ? value : throw QuantaException.BadInput(EnumOption.Error($"--format ({mode})", EnumOption.Names<T>(), Text));

    public static Option<FormatName?> Option(string name, string description) =>
        EnumOption.Choice<FormatName?>(name, description, [.. EnumOption.Names<QuantFormat>().Union(EnumOption.Names<WeightOnlyFormat>())],
            (string text, out FormatName? value) =>
            {
                bool known = OptionNames.TryParse(text, out QuantFormat _) || OptionNames.TryParse(text, out WeightOnlyFormat _);
                value = known ? new FormatName(text) : null;
                return known;
            }, null);
}
