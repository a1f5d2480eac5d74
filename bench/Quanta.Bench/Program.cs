using Quanta.Bench;

// Reproducible measurements behind BENCHMARKS.md. Run from the repository root:
//   dotnet run -c Release --project bench/Quanta.Bench -- <suite> [--models DIR] [--repeat N]
// Each suite prints Markdown rows to stdout and progress to stderr.
var options = BenchArgs.Parse(args);
return options.Suite switch
{
    "accuracy" => Suites.Accuracy(options),
    "methods" => Suites.Methods(options),
    "speed" => Suites.Speed(options),
    "memory" => Suites.Memory(options),
    "memory-child" => Suites.MemoryChild(options),
    "compare-memory" => CompareMemory.Run(options),
    "compare-memory-child" => CompareMemory.Child(options.Rest[0], int.Parse(options.Rest[1])),
    "int4" => Suites.Int4(options),
    "variants" => Suites.Variants(options),
    "large-graph" => LargeGraph.Run(options),
    "large-graph-child" => LargeGraph.RunChild(options),
    "stream" => StreamingSuite.Run(options),
    "auto" => AutoSuite.Run(options),
    "auto-default" => AutoSuite.Default(options),
    "auto-study" => AutoStudy.Run(options),
    "smoothquant" => AutoSuite.SmoothQuant(options),
    "recovery" => RecoverySuite.Run(options),
    _ => BenchArgs.Usage(),
};
