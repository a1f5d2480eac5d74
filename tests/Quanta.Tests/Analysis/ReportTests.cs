using System.Diagnostics;
using System.Text.RegularExpressions;
using Quanta.Tests.Cli;
using SkiaSharp;

namespace Quanta.Tests.Analysis;

/// <summary>The --report pages, made by the real CLI and rendered by headless Chromium.</summary>
public class ReportTests
{
    static readonly string[] Normalize = ["--mean", "0.2860", "--std", "0.3530"];

    [Fact]
    public void ReportsRenderInChromiumWithEveryImageLoading()
    {
        string dir = Directory.CreateTempSubdirectory("quanta-report-").FullName;
        try
        {
            string cnn = TestData.Model("fmnist_cnn.onnx"), quantized = Path.Combine(dir, "cnn.q.onnx");
            var q = CliRunner.Run(["quantize", cnn, "-o", quantized, "--calib", TestData.FashionMnist + ":train", "--calib-count", "128",
                "--report", Path.Combine(dir, "quantize"), .. Normalize]);
            Assert.True(q.ExitCode == 0, q.Stderr);
            var c = CliRunner.Run(["compare", cnn, quantized, "--data", TestData.FashionMnist + ":test", "--count", "200",
                "--report", Path.Combine(dir, "compare"), .. Normalize]);
            Assert.True(c.ExitCode == 0, c.Stderr);
            var b = CliRunner.Run(["bench", quantized, "--runs", "10", "--warmup", "1", "--batch", "8", "--report", Path.Combine(dir, "bench")]);
            Assert.True(b.ExitCode == 0, b.Stderr);
            var both = CliRunner.Run(["bench", cnn, quantized, "--rounds", "2", "--runs", "10", "--warmup", "1", "--batch", "8", "--report", Path.Combine(dir, "bench-compare")]);
            Assert.True(both.ExitCode == 0, both.Stderr);

            foreach (var (verb, minImages) in new[] { ("quantize", 3), ("compare", 3), ("bench", 1), ("bench-compare", 1) })
            {
                string html = File.ReadAllText(Path.Combine(dir, verb, "report.html"));
                Assert.Contains("<table>", html);
                var images = Regex.Matches(html, "<img [^>]*src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
                Assert.True(images.Count >= minImages, $"{verb}: {images.Count} images");
                foreach (var src in images)
                {
                    Assert.StartsWith("data:image/png;base64,", src);   // self-contained: nothing to fetch
                    var png = Convert.FromBase64String(src["data:image/png;base64,".Length..]);
                    Assert.True(png.Length > 5_000, $"{verb}: a {png.Length}-byte image");
                    using var bitmap = SKBitmap.Decode(png);
                    Assert.NotNull(bitmap);
                    Assert.True(bitmap.Width >= 300 && bitmap.Height >= 200);
                    Assert.True(InkShare(bitmap) > 0.01, $"{verb}: an image is blank");
                }
            }

            string shot = Screenshot(Path.Combine(dir, "compare", "report.html"), dir);
            using var page = SKBitmap.Decode(shot);
            Assert.Equal(1280, page.Width);
            Assert.True(InkShare(page) > 0.02, "the rendered page is blank");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Share of pixels that are not (near) white.</summary>
    static double InkShare(SKBitmap bitmap)
    {
        long ink = 0, total = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var p = bitmap.GetPixel(x, y);
                if (p.Red < 230 || p.Green < 230 || p.Blue < 230) ink++;
                total++;
            }
        return (double)ink / total;
    }

    static string Screenshot(string html, string dir)
    {
        string chromium = EnsureChromium();
        string shot = Path.Combine(dir, "page.png");
        var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", $"--user-data-dir={Directory.CreateTempSubdirectory("quanta-chromium-").FullName}",
                     $"--screenshot={shot}", "--window-size=1280,2000", new Uri(html).AbsoluteUri })
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        p.StandardOutput.ReadToEndAsync();
        p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "chromium did not finish in 60 s");
        Assert.True(File.Exists(shot), "chromium wrote no screenshot");
        return shot;
    }

    /// <summary>Debian's chromium, installed with apt-get when missing (as TestData does for the dataset).</summary>
    static string EnsureChromium()
    {
        const string path = "/usr/bin/chromium";
        if (File.Exists(path)) return path;
        foreach (var args in new[] { "update -qq", "install -y -qq chromium" })
        {
            using var p = Process.Start(new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
        }
        Assert.True(File.Exists(path), "chromium is missing and apt-get could not install it");
        return path;
    }
}
