using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.Detect.Inference;
using Quanta.Detect.Pipeline;
using Quanta.Detect.Scenes;
using Quanta.IR;
using Quanta.Latency;

namespace Quanta.Cli.Commands;

/// <summary>
/// `quanta demo detect`: the embedded detector (UltraFace RFB-320) quantized by Quanta's static
/// quantizer on generated scenes, then float and int8 run side by side on other scenes: an
/// annotated MP4, the F1/speed table and a report. Needs nothing but this tool and ffmpeg.
/// </summary>
static class DemoDetectCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "Folder for the models, the video and the report (default: a temporary folder)" };
        var frames = new Option<int>("--frames") { Description = "Generated scenes to run both models on", DefaultValueFactory = _ => 100 };
        var calibration = new Option<int>("--calibration") { Description = "Generated scenes (another seed) to calibrate the int8 model on", DefaultValueFactory = _ => 32 };
        var threads = CommonOptions.Threads();
        threads.DefaultValueFactory = _ => 1;
        threads.Description = "ONNX Runtime intra-op threads per model (default 1, as on a small device)";
        var json = CommonOptions.Json();
        var command = new Command("detect", "Quantize the embedded face detector, run float and int8 on generated scenes, write an annotated MP4 and the table")
            { output, frames, calibration, threads, json };
        command.SetAction(parse =>
        {
            if (parse.GetValue(frames) <= 0) throw QuantaException.BadInput($"--frames {parse.GetValue(frames)}: must be positive");
            if (parse.GetValue(calibration) <= 0) throw QuantaException.BadInput($"--calibration {parse.GetValue(calibration)}: must be positive");
            string folder = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(Path.GetTempPath(), "quanta-demo-detect"));
            string floatPath = EmbeddedAssets.ExtractDetector(folder);

            Printer.Note($"quantizing UltraFace RFB-320 on {parse.GetValue(calibration)} generated scenes");
            var quantized = ProgressDisplay.Run(p => DemoDetector.Quantize(floatPath, parse.GetValue(calibration), p));
            // The same placement as `quantize` with no flags, timed at the threads the demo runs the detectors on.
            bool asJson = parse.GetValue(json);
            var placement = QuantizeCommand.Place(Model.Load(floatPath), quantized, new PlacementOptions(Threads: parse.GetValue(threads)), asJson);
            if (placement is not null) quantized = placement.Result;
            string int8Path = Path.Combine(folder, "ultraface_rfb320.int8.onnx");
            quantized.Model.Save(int8Path);
            Printer.Note($"int8: {quantized.Recipe.Describe()}");
            if (placement is not null && !asJson)
            {
                PlacementTable.Print(Printer.Stdout, placement);
                PlacementTable.SpeedLine(Printer.Stdout, placement);
            }

            string video = Path.Combine(folder, "detect.mp4");
            var summary = DetectCommand.Run(int8Path, floatPath, $"scenes:{parse.GetValue(frames)}", seed: 0, video, null,
                new DetectorOptions(parse.GetValue(threads)), new LoopOptions(FramesPerSecond: 10, Label: "INT8"), folder, "Quanta demo detect");
            if (asJson) Printer.Json(summary); // the placement is in the int8 model's metadata (quanta.placement)
            else summary.Print();
            return 0;
        });
        return command;
    }
}
