using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Commands;

/// <summary>`quanta quantize MODEL -o OUT [--calib DATA] [--mode …]`: static post-training quantization, or the modes of <see cref="QuantizeModes"/>.</summary>
static class QuantizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var output = new Option<string>("--output", "-o") { Description = "Where to write the quantized model", Required = true };
        var calib = new Option<string?>("--calib") { Description = "Calibration data (static and gptq): DIR:train (IDX), a folder of class folders, .npy or .npz" };
        var calibCount = new Option<int?>("--calib-count") { Description = "Calibrate on a seeded subset of N samples (default 512)" };
        var format = new Option<string?>("--format") { Description = "static: qdq (portable, default) or qoperator (integer operators); weight-only: matmulnbits (default) or qdq" };
        var target = new Option<string?>("--target") { Description = $"Target CPU: {string.Join(", ", Targets.All.Select(t => t.Name))} (default: this machine)" };
        var activationType = new Option<string?>("--activation-type") { Description = "uint8 (default), int8, uint16 or int16" };
        var weightType = new Option<string?>("--weight-type") { Description = "int8 (default), uint8, int4, uint4 or int16" };
        var perChannel = new Option<bool?>("--per-channel") { Description = "Weights per output channel (default true; --per-channel false for per-tensor)" };
        var symmetricWeights = new Option<bool?>("--symmetric-weights") { Description = "Symmetric weight ranges (default true)" };
        var symmetricActivations = new Option<bool?>("--symmetric-activations") { Description = "Symmetric activation ranges (default false)" };
        var reduceRange = new Option<bool?>("--reduce-range") { Description = "7-bit int8 weights (default: on where ONNX Runtime's u8×s8 kernels saturate, measured at start-up)" };
        var method = new Option<string?>("--method") { Description = "Calibration: minmax, moving-average, meanstd, percentile, entropy, mse" };
        var percentile = new Option<double?>("--percentile") { Description = "Percentile for --method percentile (default 99.99)" };
        var opTypes = new Option<string[]>("--op-types") { Description = "Quantize only these op types (comma separated)", AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude") { Description = "Keep these nodes float: names or patterns with * and ?", AllowMultipleArgumentsPerToken = true };
        var recipeFile = new Option<string?>("--recipe") { Description = "A JSON recipe: any option above plus per-node overrides" };
        var externalData = new Option<bool>("--external-data") { Description = "Write tensors to OUT.data beside the model (automatic over 2 GB)" };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var flags = new DataFlags();
        var modes = new QuantizeModes();
        var command = new Command("quantize", "Quantize a float model with calibration data (static post-training quantization)")
        {
            model, output, calib, calibCount, format, target, activationType, weightType, perChannel, symmetricWeights,
            symmetricActivations, reduceRange, method, percentile, opTypes, exclude, recipeFile, externalData, threads, json,
        };
        flags.AddTo(command);
        modes.AddTo(command);
        var report = Report.ReportOption.AddTo(command);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetValue(model)!;
            string outputPath = parse.GetValue(output)!;
            if (Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
                throw QuantaException.BadInput("--output: must differ from the input model (inputs are never modified)");
            string mode = parse.GetValue(modes.Mode)!.ToLowerInvariant();
            if (mode != "static")
                return modes.Run(parse, mode, inputPath, outputPath, new QuantizeModes.Shared(calib, calibCount, format, weightType, perChannel,
                    symmetricWeights, opTypes, exclude, target, externalData, threads, json, flags));
            if (parse.GetValue(calib) is null) throw QuantaException.BadInput("--calib: required for static quantization (or choose --mode dynamic, weight-only, fp16 or bf16)");

            var recipe = parse.GetValue(recipeFile) is { } file ? LoadRecipe(file) : new QuantRecipe();
            recipe = recipe with
            {
                Format = parse.GetValue(format)?.ToLowerInvariant() switch
                {
                    null => recipe.Format,
                    "qdq" => QuantFormat.Qdq,
                    "qoperator" or "qop" => QuantFormat.QOperator,
                    var f => throw QuantaException.BadInput($"--format: expected qdq or qoperator, got '{f}'"),
                },
                Target = parse.GetValue(target) ?? recipe.Target,
                ActivationType = parse.GetValue(activationType) ?? recipe.ActivationType,
                WeightType = parse.GetValue(weightType) ?? recipe.WeightType,
                PerChannel = parse.GetValue(perChannel) ?? recipe.PerChannel,
                SymmetricWeights = parse.GetValue(symmetricWeights) ?? recipe.SymmetricWeights,
                SymmetricActivations = parse.GetValue(symmetricActivations) ?? recipe.SymmetricActivations,
                ReduceRange = parse.GetValue(reduceRange) ?? recipe.ReduceRange,
                Method = parse.GetValue(method) ?? recipe.Method,
                Percentile = parse.GetValue(percentile) ?? recipe.Percentile,
                CalibCount = parse.GetValue(calibCount) ?? recipe.CalibCount,
                Seed = parse.GetValue(flags.Seed),
                OpTypes = Split(parse.GetValue(opTypes)) ?? recipe.OpTypes,
                Exclude = Split(parse.GetValue(exclude)) ?? recipe.Exclude,
            };
            var hardware = Hardware.Detect();
            var resolved = recipe.Resolve(hardware);
            var input = Model.Load(inputPath);
            var data = flags.Open(parse, parse.GetValue(calib)!, resolved.CalibCount, "--calib");
            bool asJson = parse.GetValue(json);
            if (!asJson) Printer.Note($"recipe: {resolved.Describe()} (on {hardware.Describe()})");

            var result = ProgressDisplay.Run(p => StaticQuantizer.Quantize(input, data, resolved, new RuntimeOptions(parse.GetValue(threads)), p));
            result.Model.Save(outputPath, new SaveOptions(parse.GetValue(externalData)));
            var summary = QuantizeSummary.Of(result, inputPath, outputPath);
            if (asJson) Printer.Json(summary);
            else QuantizeSummary.Print(summary);
            Report.Reports.AfterQuantize(parse.GetValue(report), input, result.Model, data, inputPath, outputPath);
            return 0;
        });
        return command;
    }

    static QuantRecipe LoadRecipe(string path)
    {
        if (!File.Exists(path)) throw QuantaException.BadInput($"--recipe: file not found: {path}");
        return QuantRecipe.FromJson(File.ReadAllText(path), path);
    }

    static string[]? Split(string[]? values) =>
        values is null || values.Length == 0 ? null : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
