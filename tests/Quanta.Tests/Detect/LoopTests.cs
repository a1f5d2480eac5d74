using Quanta.Detect.Inference;
using Quanta.Detect.Pipeline;
using Quanta.Detect.Sinks;
using Quanta.Detect.Sources;
using Quanta.Tests.Cli;
using StbImageSharp;

namespace Quanta.Tests.Detect;

/// <summary>The whole loop with the real UltraFace model on a few generated scenes, in process and through the CLI.</summary>
public class LoopTests(DetectFixture files) : IClassFixture<DetectFixture>
{
    [Fact]
    public void FindsThePastedFacesAndAgreesWithItselfAsReference()
    {
        using var model = new DetectorSession(files.Detector, new DetectorOptions());
        using var reference = new DetectorSession(files.Detector, new DetectorOptions());
        using var source = new SceneSource(8);
        string folder = Path.Combine(files.Folder, "frames");
        using var sink = FrameSinks.Open(folder, source.Width, source.Height, 10);

        var result = DetectLoop.Run(source, model, reference, sink, new LoopOptions(KeepSamples: 2));

        Assert.Equal(8, result.Frames);
        Assert.Equal(0, result.Dropped);
        Assert.Equal(8, result.Latency.Count);
        Assert.Equal(8, result.Inference.Count);
        Assert.True(result.Inference.Histogram.Min > 0);
        Assert.Equal(8, result.Inference.Series.Count);
        // The same model on the same frames agrees with itself exactly.
        Assert.Equal(1.0, result.VsReference!.F1);
        // UltraFace finds most pasted LFW faces and few phantom ones (0.81 F1 on 100 scenes).
        Assert.True(result.VsTruth!.Recall > 0.5, $"recall {result.VsTruth.Recall}");
        Assert.True(result.VsTruth.Precision > 0.8, $"precision {result.VsTruth.Precision}");
        var pngs = Directory.GetFiles(folder, "frame_*.png").Order().ToArray();
        Assert.Equal(8, pngs.Length);
        var first = ImageResult.FromMemory(File.ReadAllBytes(pngs[0]), ColorComponents.RedGreenBlue);
        Assert.Equal((640, 480), (first.Width, first.Height));
        Assert.Equal(2, result.Samples.Count);
    }

    [Fact]
    public void RealtimeModeCompletesOrDropsEveryFrame()
    {
        using var model = new DetectorSession(files.Detector, new DetectorOptions());
        using var source = new SceneSource(12);
        // Frames offered far faster than inference runs: most are dropped, none is lost.
        var result = DetectLoop.Run(source, model, null, null, new LoopOptions(Realtime: true, FramesPerSecond: 1000));
        Assert.Equal(12, result.Frames + result.Dropped);
        Assert.True(result.Frames >= 1);
    }

    [Fact]
    public void CliWritesAnMp4WithEveryFrameAndAReport()
    {
        string video = Path.Combine(files.Folder, "out.mp4"), report = Path.Combine(files.Folder, "report");
        var r = CliRunner.Run("detect", files.Detector, "--source", "scenes:5", "--compare", files.Detector, "--output", video, "--report", report, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("\"frames\": 5", r.Stdout);
        Assert.Equal("5", Probe(video));
        string html = File.ReadAllText(Path.Combine(report, "report.html"));
        Assert.Contains("F1 vs reference", html);
        Assert.Contains("data:image/png;base64", html);
    }

    [Fact]
    public void CliWritesDetectionsAsCsvForTheFramesAsked()
    {
        string csv = Path.Combine(files.Folder, "det.csv");
        var r = CliRunner.Run("detect", files.Detector, "--source", "scenes:6", "--seed", "5", "--frames", "2", "--realtime", "--fps", "200", "--detections", csv);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("frame,x1,y1,x2,y2,score", lines[0]);
        Assert.True(lines.Length > 1);
        Assert.All(lines.Skip(1), l => Assert.Contains(l.Split(',')[0], new[] { "0", "1" }));
        Assert.All(lines.Skip(1), l => Assert.InRange(double.Parse(l.Split(',')[5], System.Globalization.CultureInfo.InvariantCulture), 0.7, 1.0));
    }

    [Fact]
    public void DemoQuantizesTheEmbeddedDetectorAndWritesAPlayableMp4()
    {
        string folder = Path.Combine(files.Folder, "demo");
        var r = CliRunner.Run("demo", "detect", "--frames", "3", "--calibration", "2", "--output", folder, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("ultraface_rfb320.int8.onnx", r.Stdout);
        Assert.Contains("\"f1VsReference\"", r.Stdout);
        Assert.Equal("3", Probe(Path.Combine(folder, "detect.mp4")));
        Assert.True(File.Exists(Path.Combine(folder, "report.html")));
        // Placed as `quantize` places (--objective auto at the demo's one thread): the int8 model records it.
        Assert.StartsWith("objective auto, batch 1, 1 threads", Quanta.IR.Model.Load(Path.Combine(folder, "ultraface_rfb320.int8.onnx")).Metadata("quanta.placement"));
    }

    /// <summary>ffprobe's count of decoded frames.</summary>
    static string Probe(string video)
    {
        var info = new System.Diagnostics.ProcessStartInfo("ffprobe") { RedirectStandardOutput = true };
        foreach (var a in new[] { "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video })
            info.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }
}
