using Quanta.Tests.Cli;

namespace Quanta.Tests.Detect;

/// <summary>detect's bad inputs: one line naming the problem, exit code 2, and no output left behind.</summary>
public class DetectBadInputTests(DetectFixture files) : IClassFixture<DetectFixture>
{
    [Fact]
    public void MissingCamera()
    {
        var r = CliRunner.Run("detect", files.Detector, "--source", "/dev/video97");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("/dev/video97: no such camera", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void UnreadableVideo()
    {
        string path = Path.Combine(files.Folder, "holiday.mp4");
        File.WriteAllText(path, "not a video at all\n");
        string output = Path.Combine(files.Folder, "never.mp4");
        var r = CliRunner.Run("detect", files.Detector, "--source", path, "--output", output);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("holiday.mp4: not a readable video", CliRunner.SingleErrorLine(r));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ModelWhoseOutputsFitNoHead()
    {
        var r = CliRunner.Run("detect", files.Classifier, "--source", "scenes:2");
        Assert.Equal(2, r.ExitCode);
        var line = CliRunner.SingleErrorLine(r);
        Assert.Contains("classifier.onnx", line);
        Assert.Contains("fit no detection head", line);
    }

    [Fact]
    public void CompareModelWhoseOutputsFitNoHead()
    {
        var r = CliRunner.Run("detect", files.Detector, "--compare", files.Classifier, "--source", "scenes:2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("fit no detection head", CliRunner.SingleErrorLine(r));
    }

    [Theory]
    [InlineData("scenes:0", "scenes:N")]
    [InlineData("scenes:many", "scenes:N")]
    [InlineData("missing-video.mp4", "no such file")]
    public void BadSources(string source, string expected)
    {
        var r = CliRunner.Run("detect", files.Detector, "--source", source);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, CliRunner.SingleErrorLine(r));
    }

    [Theory]
    [InlineData("--score-threshold", "1.5")]
    [InlineData("--nms-iou", "0")]
    [InlineData("--frames", "0")]
    [InlineData("--fps", "-1")]
    public void BadNumbers(string flag, string value)
    {
        var r = CliRunner.Run("detect", files.Detector, "--source", "scenes:2", flag, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(flag, CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void FolderWithoutImages()
    {
        string folder = Directory.CreateDirectory(Path.Combine(files.Folder, "empty")).FullName;
        var r = CliRunner.Run("detect", files.Detector, "--source", folder);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no images", CliRunner.SingleErrorLine(r));
    }
}
