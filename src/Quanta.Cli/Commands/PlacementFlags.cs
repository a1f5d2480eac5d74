using System.CommandLine;
using Quanta.Latency;

namespace Quanta.Cli.Commands;

/// <summary>`--objective`, `--bench-batch`, `--bench-threads`: what latency placement optimises and where it times (quantize and tune).</summary>
sealed class PlacementFlags(string objectiveDescription, Objective defaultObjective)
{
    public readonly Option<Named<Objective>> Objective = EnumOption.Create("--objective", objectiveDescription, defaultObjective);
    public readonly Option<int> BenchBatch = new("--bench-batch") { Description = "Batch size the objective's timings run at (default 1; a fixed-batch model runs at its own)", DefaultValueFactory = _ => 1 };
    public readonly Option<int> BenchThreads = new("--bench-threads") { Description = "ONNX Runtime intra-op threads for the objective's timings (default 1; 0 = all cores)", DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Objective, BenchBatch, BenchThreads }) command.Options.Add(o);
    }

    public PlacementOptions Options(ParseResult parse)
    {
        var options = new PlacementOptions(parse.GetValue(Objective).Value, parse.GetValue(BenchBatch), parse.GetValue(BenchThreads));
        var problems = options.Validate();
        if (problems.Count > 0) throw QuantaException.BadInput(problems[0]);
        return options;
    }
}
