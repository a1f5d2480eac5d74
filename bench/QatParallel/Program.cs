using System.Diagnostics;
using Quanta.Data;
using Quanta.IR;
using Quanta.Training;

// Training throughput of two QAT trainings in one process (a service fine-tuning two uploads): run one
// after the other, then both at once, in alternating rounds. Prints one Markdown row per round and the
// median ratio. Usage: QatParallel [MODEL] [FASHION-MNIST DIR] [STEPS] [ROUNDS] [THREADS PER TRAINING]
string model = args.Length > 0 ? args[0] : "demo/fmnist_cnn.onnx";
string data = args.Length > 1 ? args[1] : "demo/fashion-mnist";
int steps = args.Length > 2 ? int.Parse(args[2]) : 60;
int rounds = args.Length > 3 ? int.Parse(args[3]) : 3;
int threads = args.Length > 4 ? int.Parse(args[4]) : 1;
const int Batch = 32;
var preprocessing = new Preprocessing([0.2860f], [0.3530f]);

QatResult Train(int seed) => QatRunner.Run(Model.Load(model),
    DataSource.Open(data + ":train", new DataOptions(preprocessing, Count: 1024, Seed: seed)), null,
    new QatOptions { WeightBits = 4, Steps = steps, Batch = Batch, CalibCount = 64, Seed = seed, Threads = threads }, preprocessing);

double ImagesPerSecond(Action run)
{
    var clock = Stopwatch.StartNew();
    run();
    return 2.0 * steps * Batch / clock.Elapsed.TotalSeconds;
}

Train(0); // warm-up: JIT, libtorch initialisation
var ratios = new List<double>();
Console.WriteLine("| round | one after the other (images/s) | at the same time (images/s) | ratio |");
Console.WriteLine("|---|---|---|---|");
for (int r = 1; r <= rounds; r++)
{
    double sequential = ImagesPerSecond(() => { Train(1); Train(2); });
    double parallel = ImagesPerSecond(() => Task.WaitAll(Task.Run(() => Train(1)), Task.Run(() => Train(2))));
    ratios.Add(parallel / sequential);
    Console.WriteLine($"| {r} | {sequential:F0} | {parallel:F0} | {parallel / sequential:F2}× |");
}
ratios.Sort();
Console.WriteLine($"median ratio {ratios[ratios.Count / 2]:F2}× ({steps} steps of batch {Batch} per training, {threads} libtorch thread(s) each, {Environment.ProcessorCount} cores)");
