using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Quantization.Dynamic;
using Quanta.Quantization.Float16;
using Quanta.Quantization.WeightOnly;
using Quanta.Runtime;

namespace Quanta.Cli.Commands;

/// <summary>
/// `quantize --mode dynamic|weight-only|fp16|bf16`: the options only these modes read, and the
/// dispatch from flags to each mode's typed options record.
/// </summary>
sealed class QuantizeModes
{
    /// <summary>The library's defaults, which the flags show and fall back to.</summary>
    static readonly WeightOnlyOptions WeightOnlyDefaults = new();
    static readonly DynamicOptions DynamicDefaults = new();
    static readonly Float16Options Float16Defaults = new();

    public readonly Option<Named<QuantMode>> Mode = EnumOption.Create("--mode", "static (default, needs --calib), dynamic, weight-only, fp16 or bf16", QuantMode.Static);
    public readonly Option<int> Bits = new("--bits") { Description = "weight-only: 8, 4 (default), 3 (stored in 4-bit containers) or 2 bits", DefaultValueFactory = _ => WeightOnlyDefaults.Bits };
    public readonly Option<int> Block = new("--block") { Description = "weight-only: block size along the input dimension: 32 (default), 64 or 128", DefaultValueFactory = _ => WeightOnlyDefaults.BlockSize };
    public readonly Option<Named<WeightOnlyAlgorithm>> Algorithm = EnumOption.Create("--algorithm", "weight-only: rtn (default), hqq, gptq or awq (gptq and awq need --calib)", WeightOnlyDefaults.Algorithm);
    public readonly Option<string[]> Keep8Bit = new("--keep-8bit") { Description = "weight-only: layers kept at 8 bits: auto (lm_head and the worst-ranked eighth) and/or node names or * patterns", AllowMultipleArgumentsPerToken = true };
    public readonly Option<int> AccuracyLevel = new("--accuracy-level") { Description = "weight-only, MatMulNBits: ONNX Runtime's compute precision: 4 int8 activations per block (default, fastest on CPU), 0 float (the file's exact semantics), 1 float32, 2 float16, 3 bfloat16", DefaultValueFactory = _ => WeightOnlyDefaults.AccuracyLevel };
    public readonly Option<bool> KeepIoTypes = new("--keep-io-types") { Description = "fp16/bf16: keep float32 model inputs and outputs (default true)", DefaultValueFactory = _ => Float16Defaults.KeepIoTypes };
    public readonly Option<bool> WeightsFp16 = new("--weights-fp16") { Description = "fp16/bf16: store only the weights at 16 bits, cast to float at load (compute unchanged)" };
    public readonly Option<string[]> OpBlockList = CommonOptions.Many("--op-block-list", "fp16/bf16: op types kept float (added to the defaults)");
    public readonly Option<Named<DynamicKernel>> Kernel = EnumOption.Create("--kernel", "dynamic: fused (com.microsoft DynamicQuantizeMatMul, default) or standard (MatMulInteger)", DynamicDefaults.Kernel);

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Mode, Bits, Block, Algorithm, Keep8Bit, AccuracyLevel, KeepIoTypes, WeightsFp16, OpBlockList, Kernel }) command.Options.Add(o);
    }

    /// <summary>The flags of `quantize` that these modes share with static quantization.</summary>
    public sealed record Shared(
        Option<string?> Calib, Option<int?> CalibCount, Option<FormatName?> Format, Option<QuantType?> WeightType, Option<bool?> PerChannel,
        Option<bool?> SymmetricWeights, Option<string[]> OpTypes, Option<string[]> Exclude, Option<Target?> Target,
        Option<bool> ExternalData, Option<int> Threads, Option<bool> Json, DataFlags Flags);

    public int Run(ParseResult parse, QuantMode mode, string inputPath, string outputPath, Shared s)
    {
        string? calib = parse.GetValue(s.Calib);
        string[]? opTypes = Split(parse.GetValue(s.OpTypes));
        string[] exclude = Split(parse.GetValue(s.Exclude)) ?? [];
        var runtime = new RuntimeOptions(parse.GetValue(s.Threads));
        var input = Model.Load(inputPath);
        bool asJson = parse.GetValue(s.Json);
        ModeResult result;
        switch (mode)
        {
            case QuantMode.Dynamic:
            {
                var options = new DynamicOptions
                {
                    WeightType = parse.GetValue(s.WeightType) ?? DynamicDefaults.WeightType,
                    PerChannel = parse.GetValue(s.PerChannel) ?? DynamicDefaults.PerChannel,
                    SymmetricWeights = parse.GetValue(s.SymmetricWeights) ?? DynamicDefaults.SymmetricWeights,
                    Kernel = parse.GetValue(Kernel).Value,
                    OpTypes = opTypes ?? DynamicDefaults.OpTypes,
                    Exclude = exclude,
                    Target = parse.GetValue(s.Target),
                };
                Note(asJson, $"recipe: dynamic, {OptionNames.Of(options.Kernel)} kernel, weights {options.WeightType.Name()}");
                result = ProgressDisplay.Run(_ => DynamicQuantizer.Quantize(input, options));
                break;
            }
            case QuantMode.WeightOnly:
            {
                var algorithm = parse.GetValue(Algorithm).Value;
                if (algorithm is WeightOnlyAlgorithm.Gptq or WeightOnlyAlgorithm.Awq && calib is null)
                    throw QuantaException.BadInput($"--calib: required for --algorithm {OptionNames.Of(algorithm)}");
                var keep8 = Split(parse.GetValue(Keep8Bit)) ?? [];
                var options = new WeightOnlyOptions
                {
                    Bits = parse.GetValue(Bits),
                    BlockSize = parse.GetValue(Block),
                    Algorithm = algorithm,
                    Symmetric = parse.GetValue(s.SymmetricWeights) ?? WeightOnlyDefaults.Symmetric,
                    Format = parse.GetValue(s.Format) is { } f ? f.For<WeightOnlyFormat>("weight-only") : WeightOnlyDefaults.Format,
                    OpTypes = opTypes ?? WeightOnlyDefaults.OpTypes,
                    Exclude = exclude,
                    CalibCount = parse.GetValue(s.CalibCount) ?? WeightOnlyDefaults.CalibCount,
                    Seed = parse.GetValue(s.Flags.Seed),
                    Keep8Bit = keep8.Where(k => !k.Equals("auto", StringComparison.OrdinalIgnoreCase)).ToArray(),
                    Keep8BitAuto = keep8.Any(k => k.Equals("auto", StringComparison.OrdinalIgnoreCase)),
                    AccuracyLevel = parse.GetValue(AccuracyLevel),
                };
                var problems = options.Validate();
                if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
                var data = calib is not null && (options.NeedsCalibration || options.Keep8BitAuto) ? s.Flags.Open(parse, calib, options.CalibCount, "--calib") : null;
                Note(asJson, $"recipe: {options.Describe()}");
                result = ProgressDisplay.Run(p => WeightOnlyQuantizer.Quantize(input, options, data, runtime, p));
                break;
            }
            case QuantMode.Fp16 or QuantMode.Bf16:
            {
                var options = new Float16Options
                {
                    Precision = mode == QuantMode.Fp16 ? LowPrecision.Float16 : LowPrecision.BFloat16,
                    KeepIoTypes = parse.GetValue(KeepIoTypes),
                    WeightsOnly = parse.GetValue(WeightsFp16),
                    OpBlockList = Split(parse.GetValue(OpBlockList)) ?? [],
                };
                Note(asJson, $"recipe: {options.Describe()}");
                result = ProgressDisplay.Run(_ => Float16Converter.Convert(input, options));
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "static quantization is QuantizeCommand's");
        }
        result.Model.Save(outputPath, new SaveOptions(parse.GetValue(s.ExternalData)));
        var summary = ModeSummary.Of(result, input, outputPath);
        if (asJson) Printer.Json(summary);
        else ModeSummary.Print(summary);
        return 0;
    }

    static void Note(bool asJson, string line)
    {
        if (!asJson) Printer.Note(line);
    }

    static string[]? Split(string[]? values) =>
        values is null || values.Length == 0 ? null : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
