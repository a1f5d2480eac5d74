using System.Diagnostics;

namespace Quanta.Tests.Cli;

/// <summary>Runs the real `quanta` command line (Quanta.Cli.dll beside the tests) as a separate process.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestData.RepoRoot };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Quanta.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The error line of a failed run (bad input must give exactly one, with no stack trace).</summary>
    public static string SingleErrorLine(Result r)
    {
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain(" at ", lines[0]);
        return lines[0];
    }
}
