using System.CommandLine;
using Quanta.Cli.Output;
using Quanta.Detect.Inference;
using Quanta.Detect.Pipeline;
using Quanta.Detect.Sinks;
using Quanta.Detect.Sources;

namespace Quanta.Cli.Commands;

/// <summary>
/// `quanta detect MODEL --source SRC`: the camera loop (decode ∥ infer ∥ draw/encode) on a video,
/// a folder of images, a V4L2 camera or generated scenes; with --compare, a float model on the
/// same frames and F1 against ground truth or against the float detections.
/// </summary>
static class DetectCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        model.Description = "An ONNX detector: input [1,3,H,W] RGB, outputs decoded boxes [1,N,4] and scores [1,N,C] (UltraFace)";
        var source = new Option<string>("--source") { Description = "Frames: a video file, a folder of images, a V4L2 camera (/dev/videoN) or scenes:N (generated labelled scenes)", Required = true };
        var compare = new Option<string?>("--compare") { Description = "Also run this (float) model on every frame: F1 against it and speed of each" };
        var output = new Option<string?>("--output", "-o") { Description = "Write annotated frames: a video (.mp4, .mkv, .gif) or a folder of PNG frames" };
        var realtime = new Option<bool>("--realtime") { Description = "Drop frames that wait while inference is busy, so latency stays bounded at the source's rate" };
        var fps = new Option<double?>("--fps") { Description = "Frame rate of a file or scene source under --realtime, and of the output video (default: the source's, else 30)" };
        var frames = new Option<int?>("--frames") { Description = "Stop after this many frames" };
        var threads = CommonOptions.Threads();
        threads.DefaultValueFactory = _ => 1;
        threads.Description = "ONNX Runtime intra-op threads per model (0 = all cores; default 1, as a small device runs one frame at a time)";
        var score = new Option<float>("--score-threshold") { Description = "Keep detections scoring at least this", DefaultValueFactory = _ => 0.7f };
        var nms = new Option<float>("--nms-iou") { Description = "Non-maximum suppression: drop boxes overlapping a better one by more than this IoU", DefaultValueFactory = _ => 0.3f };
        var detections = new Option<string?>("--detections") { Description = "Write every detection of MODEL as CSV (frame, x1, y1, x2, y2, score; normalised)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated scenes (scenes:N)", DefaultValueFactory = _ => 0 };
        var json = CommonOptions.Json();
        var command = new Command("detect", "Run a detector on every frame of a video, image folder, camera or generated scenes: boxes drawn, FPS and latency measured, float vs int8 compared")
            { model, source, compare, output, detections, realtime, fps, frames, threads, score, nms, seed, json };
        var report = Report.ReportOption.AddTo(command);
        report.Description = "Write DIR/report.html: the table, per-frame latency plot, annotated frames";
        command.SetAction(parse =>
        {
            var detector = new DetectorOptions(parse.GetValue(threads), parse.GetValue(score), parse.GetValue(nms));
            if (detector.Validate() is [var problem, ..]) throw QuantaException.BadInput(problem);
            if (parse.GetValue(frames) is <= 0) throw QuantaException.BadInput($"--frames {parse.GetValue(frames)}: must be positive");
            if (parse.GetValue(fps) is <= 0) throw QuantaException.BadInput($"--fps {parse.GetValue(fps)}: must be positive");
            var loop = new LoopOptions(parse.GetValue(realtime), parse.GetValue(fps), parse.GetValue(frames));
            var summary = Run(parse.GetValue(model)!, parse.GetValue(compare), parse.GetValue(source)!, parse.GetValue(seed), parse.GetValue(output),
                parse.GetValue(detections), detector, loop, parse.GetValue(report), "Quanta detect");
            if (parse.GetValue(json)) Printer.Json(summary);
            else summary.Print();
            return 0;
        });
        return command;
    }

    /// <summary>Opens everything, runs the loop with a live line, writes the report; shared with `demo detect`.</summary>
    public static DetectSummary Run(string modelPath, string? referencePath, string sourceSpec, int seed, string? output,
        string? detectionsPath, DetectorOptions detector, LoopOptions loop, string? reportDir, string title)
    {
        // Models first: a model that does not fit the head is reported before a camera is opened.
        using var model = new DetectorSession(modelPath, detector);
        using var reference = referencePath is null ? null : new DetectorSession(referencePath, detector);
        using var source = FrameSources.Open(sourceSpec, seed);
        using var sink = output is null ? null : FrameSinks.Open(output, source.Width, source.Height, DetectLoop.OutputFrameRate(source, loop));
        using var log = detectionsPath is null ? null : new DetectionLog(detectionsPath);
        var live = new LiveLine();
        LoopResult result;
        try
        {
            result = DetectLoop.Run(source, model, reference, sink, loop, live, log);
        }
        finally
        {
            live.Finish();
        }
        var summary = DetectSummary.From(result, modelPath, referencePath, output);
        if (reportDir is not null) Report.DetectReport.Build($"{title}: {Path.GetFileName(modelPath)} on {result.Source}", summary, result).Write(reportDir);
        return summary;
    }
}
