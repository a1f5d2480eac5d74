using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.IR;
using Quanta.Latency;
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
        var recipeFlags = new RecipeFlags("--recipe");
        var externalData = new Option<bool>("--external-data") { Description = "Write tensors to OUT.data beside the model (automatic over 2 GB)" };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var flags = new DataFlags();
        var modes = new QuantizeModes();
        var placementFlags = new PlacementFlags(
            "static: auto (default: time int8 against float once at --bench-batch/--bench-threads, search regions only when int8 is not faster), " +
            "latency (time each region int8 vs float, keep int8 where ≥ 1.02× faster), size (quantize everything, no timing), " +
            "accuracy (as latency, int8 only where ≥ 1.10× faster); every timed objective writes a model not slower than float, " +
            "float everywhere if need be", Objective.Auto);
        var command = new Command("quantize", "Quantize a float model with calibration data (static post-training quantization)")
        {
            model, output, calib, externalData, threads, json,
        };
        recipeFlags.AddTo(command);
        flags.AddTo(command);
        modes.AddTo(command);
        placementFlags.AddTo(command);
        var report = Report.ReportOption.AddTo(command);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetValue(model)!;
            string outputPath = parse.GetValue(output)!;
            if (Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
                throw QuantaException.BadInput("--output: must differ from the input model (inputs are never modified)");
            var mode = parse.GetValue(modes.Mode).Value;
            if (mode != QuantMode.Static)
                return modes.Run(parse, mode, inputPath, outputPath, new QuantizeModes.Shared(calib, recipeFlags.CalibCount, recipeFlags.Format,
                    recipeFlags.WeightType, recipeFlags.PerChannel, recipeFlags.SymmetricWeights, recipeFlags.OpTypes, recipeFlags.Exclude,
                    recipeFlags.Target, externalData, threads, json, flags));
            if (parse.GetValue(calib) is null) throw QuantaException.BadInput("--calib: required for static quantization (or choose --mode dynamic, weight-only, fp16 or bf16)");

            var placementOptions = placementFlags.Options(parse);
            var recipe = recipeFlags.Recipe(parse, flags);
            var hardware = Hardware.Detect();
            var resolved = recipe.Resolve(hardware);
            var input = Model.Load(inputPath);
            var data = flags.Open(parse, parse.GetValue(calib)!, resolved.CalibCount, "--calib");
            bool asJson = parse.GetValue(json);
            if (!asJson) Printer.Note($"recipe: {resolved.Describe()} (on {hardware.Describe()})");

            var result = ProgressDisplay.Run(p => StaticQuantizer.Quantize(input, data, resolved, new RuntimeOptions(parse.GetValue(threads)), p));
            var placement = Place(input, result, placementOptions, asJson);
            if (placement is not null) result = placement.Result;
            result.Model.Save(outputPath, new SaveOptions(parse.GetValue(externalData)));
            var summary = QuantizeSummary.Of(result, input, outputPath, placement);
            if (asJson) Printer.Json(summary);
            else QuantizeSummary.Print(summary);
            Report.Reports.AfterQuantize(parse.GetValue(report), input, result.Model, data, inputPath, outputPath);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Latency placement for the objective asked. The default (auto) is best effort: a model whose
    /// inputs cannot be made up (a symbolic dimension besides the batch) is written untimed, with a note.
    /// </summary>
    internal static PlacementResult? Place(Model input, QuantizeResult result, PlacementOptions options, bool asJson)
    {
        try
        {
            return ProgressDisplay.Run(p => LatencyPlacement.Apply(input, result, options, p));
        }
        catch (QuantaException e) when (options.Objective == Objective.Auto && e.Kind == FailureKind.BadInput)
        {
            if (!asJson) Printer.Note($"not timed ({e.Message}); --objective size skips timing");
            return null;
        }
    }
}
