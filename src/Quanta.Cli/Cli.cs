using System.CommandLine;

namespace Quanta.Cli;

public static class Cli
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Quanta: quantize ONNX models for .NET");
        var parse = root.Parse(args);
        return parse.Invoke();
    }
}
