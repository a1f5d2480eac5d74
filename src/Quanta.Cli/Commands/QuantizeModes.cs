using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.IR;
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
    public readonly Option<string> Mode = new("--mode") { Description = "static (default, needs --calib), dynamic, weight-only, fp16 or bf16", DefaultValueFactory = _ => "static" };
    public readonly Option<int> Bits = new("--bits") { Description = "weight-only: 8, 4 (default) or 2 bits", DefaultValueFactory = _ => 4 };
    public readonly Option<int> Block = new("--block") { Description = "weight-only: block size along the input dimension: 32 (default), 64 or 128", DefaultValueFactory = _ => 32 };
    public readonly Option<string> Algorithm = new("--algorithm") { Description = "weight-only: rtn (default), hqq or gptq (needs --calib)", DefaultValueFactory = _ => "rtn" };
    public readonly Option<bool> KeepIoTypes = new("--keep-io-types") { Description = "fp16/bf16: keep float32 model inputs and outputs (default true)", DefaultValueFactory = _ => true };
    public readonly Option<bool> WeightsFp16 = new("--weights-fp16") { Description = "fp16/bf16: store only the weights at 16 bits, cast to float at load (compute unchanged)" };
    public readonly Option<string[]> OpBlockList = new("--op-block-list") { Description = "fp16/bf16: op types kept float (added to the defaults)", AllowMultipleArgumentsPerToken = true };
    public readonly Option<string> Kernel = new("--kernel") { Description = "dynamic: fused (com.microsoft DynamicQuantizeMatMul, default) or standard (MatMulInteger)", DefaultValueFactory = _ => "fused" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Mode, Bits, Block, Algorithm, KeepIoTypes, WeightsFp16, OpBlockList, Kernel }) command.Options.Add(o);
    }

    /// <summary>The flags of `quantize` that these modes share with static quantization.</summary>
    public sealed record Shared(
        Option<string?> Calib, Option<int?> CalibCount, Option<string?> Format, Option<string?> WeightType, Option<bool?> PerChannel,
        Option<bool?> SymmetricWeights, Option<string[]> OpTypes, Option<string[]> Exclude, Option<string?> Target,
        Option<bool> ExternalData, Option<int> Threads, Option<bool> Json, DataFlags Flags);

    public int Run(ParseResult parse, string mode, string inputPath, string outputPath, Shared s)
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
            case "dynamic":
            {
                var options = new DynamicOptions
                {
                    WeightType = parse.GetValue(s.WeightType) ?? "int8",
                    PerChannel = parse.GetValue(s.PerChannel) ?? true,
                    SymmetricWeights = parse.GetValue(s.SymmetricWeights) ?? true,
                    Kernel = parse.GetValue(Kernel)?.ToLowerInvariant() switch
                    {
                        "fused" => DynamicKernel.Fused,
                        "standard" => DynamicKernel.Standard,
                        var k => throw QuantaException.BadInput($"--kernel: expected fused or standard, got '{k}'"),
                    },
                    OpTypes = opTypes ?? new DynamicOptions().OpTypes,
                    Exclude = exclude,
                    Target = parse.GetValue(s.Target),
                };
                Note(asJson, $"recipe: dynamic, {options.Kernel.ToString().ToLowerInvariant()} kernel, weights {options.WeightType}");
                result = ProgressDisplay.Run(_ => DynamicQuantizer.Quantize(input, options));
                break;
            }
            case "weight-only":
            {
                var algorithm = parse.GetValue(Algorithm)?.ToLowerInvariant() switch
                {
                    "rtn" => WeightOnlyAlgorithm.Rtn,
                    "hqq" => WeightOnlyAlgorithm.Hqq,
                    "gptq" => WeightOnlyAlgorithm.Gptq,
                    var a => throw QuantaException.BadInput($"--algorithm: expected rtn, hqq or gptq, got '{a}'"),
                };
                if (algorithm == WeightOnlyAlgorithm.Gptq && calib is null) throw QuantaException.BadInput("--calib: required for --algorithm gptq");
                var options = new WeightOnlyOptions
                {
                    Bits = parse.GetValue(Bits),
                    BlockSize = parse.GetValue(Block),
                    Algorithm = algorithm,
                    Symmetric = parse.GetValue(s.SymmetricWeights) ?? false,
                    Format = parse.GetValue(s.Format)?.ToLowerInvariant() switch
                    {
                        null or "matmulnbits" => WeightOnlyFormat.MatMulNBits,
                        "qdq" => WeightOnlyFormat.Qdq,
                        var f => throw QuantaException.BadInput($"--format: weight-only takes matmulnbits or qdq, got '{f}'"),
                    },
                    OpTypes = opTypes ?? ["MatMul", "Gemm"],
                    Exclude = exclude,
                    CalibCount = parse.GetValue(s.CalibCount) ?? 128,
                    Seed = parse.GetValue(s.Flags.Seed),
                };
                var problems = options.Validate();
                if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
                var data = algorithm == WeightOnlyAlgorithm.Gptq ? s.Flags.Open(parse, calib!, options.CalibCount, "--calib") : null;
                Note(asJson, $"recipe: {options.Describe()}");
                result = ProgressDisplay.Run(p => WeightOnlyQuantizer.Quantize(input, options, data, runtime, p));
                break;
            }
            case "fp16" or "bf16":
            {
                var options = new Float16Options
                {
                    Precision = mode == "fp16" ? LowPrecision.Float16 : LowPrecision.BFloat16,
                    KeepIoTypes = parse.GetValue(KeepIoTypes),
                    WeightsOnly = parse.GetValue(WeightsFp16),
                    OpBlockList = Split(parse.GetValue(OpBlockList)) ?? [],
                };
                Note(asJson, $"recipe: {options.Describe()}");
                result = ProgressDisplay.Run(_ => Float16Converter.Convert(input, options));
                break;
            }
            default:
                throw QuantaException.BadInput($"--mode: expected static, dynamic, weight-only, fp16 or bf16, got '{mode}'");
        }
        result.Model.Save(outputPath, new SaveOptions(parse.GetValue(s.ExternalData)));
        var summary = ModeSummary.Of(result, inputPath, outputPath);
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
