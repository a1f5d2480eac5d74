using System.CommandLine;
using System.CommandLine.Help;
using Quanta.Cli.Commands;

namespace Quanta.Cli;

/// <summary>
/// The command line: verbs, the exit-code contract (0 success, 1 the work failed,
/// 2 bad input or usage) and one-line errors (stack traces only with --verbose).
/// </summary>
public static class Cli
{
    public static int Run(string[] args)
    {
        // A plain command named "quanta" rather than RootCommand, whose name would be the assembly's ("Quanta.Cli") in help.
        var root = new Command("quanta", "Quanta: quantize ONNX models for .NET — a smaller, faster model with its accuracy cost measured.")
        {
            new HelpOption(), new VersionOption(),
        };
        root.Options.Add(CommonOptions.Verbose);
        foreach (var verb in new[]
        {
            InspectCommand.Create(), QuantizeCommand.Create(), EvalCommand.Create(), BenchCommand.Create(), CompareCommand.Create(),
            SensitivityCommand.Create(), TuneCommand.Create(), QatCommand.Create(), DemoCommand.Create(), DetectCommand.Create(),
        })
            root.Subcommands.Add(verb);

        var parse = root.Parse(args);
        bool verbose = parse.GetValue(CommonOptions.Verbose);
        if (parse.Errors.Count > 0)
        {
            string verb = parse.CommandResult.Command == root ? "" : parse.CommandResult.Command.Name + " ";
            // "Unrecognized command 'x'" says more than the "Required command was not provided" that comes first.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            Console.Error.WriteLine($"error: {error.Message} (see: quanta {verb}--help)");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (QuantaException e)
        {
            Console.Error.WriteLine($"error: {FlagNames.InMessage(e.Message, parse.CommandResult.Command)}");
            if (verbose && e.InnerException is not null) Console.Error.WriteLine(e.InnerException);
            return e.Kind == FailureKind.BadInput ? 2 : 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: internal error ({e.GetType().Name}: {e.Message.Split('\n')[0]}); run with --verbose for details");
            if (verbose) Console.Error.WriteLine(e);
            return 1;
        }
    }
}
