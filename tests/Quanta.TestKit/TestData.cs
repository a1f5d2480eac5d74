using System.Diagnostics;

namespace Quanta.Tests;

/// <summary>
/// Where the real test inputs live: the reference models in ../shared/models (found by walking
/// up from the test binary), Fashion-MNIST from Debian's dataset-fashion-mnist (installed with
/// apt-get when missing and we are root; ffmpeg likewise for the detect tests), and the demo sample shipped in the repository.
/// </summary>
public static class TestData
{
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";
    public static readonly float[] Mean = [0.2860f];
    public static readonly float[] Std = [0.3530f];

    static readonly Lazy<string> _repoRoot = new(() => FindUp("Quanta.sln") ?? throw new InvalidOperationException("repository root not found"));
    static readonly Lazy<string?> _models = new(() =>
    {
        var root = new DirectoryInfo(RepoRoot);
        for (var d = root; d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "models");
            if (File.Exists(Path.Combine(candidate, "fmnist_cnn.onnx"))) return candidate;
        }
        return null;
    });
    static readonly Lazy<string> _fashion = new(EnsureFashionMnist);

    public static string RepoRoot => _repoRoot.Value;

    /// <summary>The reference models' folder, or the demo folder (which holds the CNN) when shared/ is absent.</summary>
    public static string ModelsDir => _models.Value ?? DemoDir;

    public static bool HasSharedModels => _models.Value is not null;

    public static string Model(string name) => Path.Combine(ModelsDir, name);

    public static string DemoDir => Path.Combine(RepoRoot, "demo");

    /// <summary>The full Fashion-MNIST folder (60,000 train / 10,000 test images).</summary>
    public static string FashionMnist => _fashion.Value;

    public static Quanta.Data.Preprocessing FashionPreprocessing => new(Mean, Std);

    static string? FindUp(string file)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, file))) return d.FullName;
        return null;
    }

    static string EnsureFashionMnist()
    {
        if (File.Exists(Path.Combine(FashionMnistDir, "t10k-images-idx3-ubyte.gz"))) return FashionMnistDir;
        Run("apt-get", "update -qq");
        Run("apt-get", "install -y -qq dataset-fashion-mnist");
        if (!File.Exists(Path.Combine(FashionMnistDir, "t10k-images-idx3-ubyte.gz")))
            throw new InvalidOperationException("Fashion-MNIST is missing and apt-get could not install dataset-fashion-mnist");
        return FashionMnistDir;
    }

    /// <summary>Debian's ffmpeg (the detect loop's decoder and encoder), installed with apt-get when missing and we are root.</summary>
    public static void EnsureFfmpeg()
    {
        lock (FfmpegLock)
        {
            if (File.Exists("/usr/bin/ffmpeg")) return;
            Run("apt-get", "update -qq");
            Run("apt-get", "install -y -qq ffmpeg");
            if (!File.Exists("/usr/bin/ffmpeg")) throw new InvalidOperationException("ffmpeg is missing and apt-get could not install it");
        }
    }

    static readonly object FfmpegLock = new();

    static void Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
    }
}
