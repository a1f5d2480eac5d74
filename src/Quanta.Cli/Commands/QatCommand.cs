using System.CommandLine;
using System.Diagnostics;
using Quanta.Cli.Output;
using Quanta.IR;
using Quanta.Runtime;
using Quanta.Training;
using Quanta.Training.Quant;
using Quanta.Training.Train;

namespace Quanta.Cli.Commands;

/// <summary>`quanta qat MODEL -o OUT --train DATA [--data DATA]`: quantization-aware training, exported as QDQ.</summary>
static class QatCommand
{
    /// <summary>The library's defaults, which the flags show and fall back to.</summary>
    static readonly QatOptions Defaults = new();

    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var output = new Option<string>("--output", "-o") { Description = "Where to write the quantized model", Required = true };
        var train = new Option<string>("--train") { Description = "Labelled training data: DIR:train (IDX), a folder of class folders, or .npz", Required = true };
        var data = new Option<string?>("--data") { Description = "Labelled evaluation data: float vs exported top-1 in ONNX Runtime" };
        var count = new Option<int?>("--count") { Description = "Evaluate a seeded subset of N samples" };
        var trainCount = new Option<int?>("--train-count") { Description = "Train on a seeded subset of N samples" };
        var weightBits = new Option<int>("--weight-bits") { Description = "Weight bits, 2..16 (4 → int4 QDQ, opset 21)", DefaultValueFactory = _ => Defaults.WeightBits };
        var activationBits = new Option<int>("--activation-bits") { Description = "Activation bits, 2..16 (8 → uint8, 16 → uint16)", DefaultValueFactory = _ => Defaults.ActivationBits };
        var weights = EnumOption.Create("--weights", "uniform (default), ternary or binary (stored as int8)", Defaults.Weights);
        var perChannel = new Option<bool>("--per-channel") { Description = "Weight scales per output channel (default true)", DefaultValueFactory = _ => Defaults.PerChannel };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data", DefaultValueFactory = _ => Defaults.Epochs };
        var steps = new Option<int?>("--steps") { Description = "Step budget (overrides --epochs); 0 = no training, export the initialised quantizers (a PTQ reference)" };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate of the cosine schedule (default 1e-3 SGD, 1e-4 AdamW)" };
        var optimizer = EnumOption.Create("--optimizer", "sgd (momentum 0.9) or adamw", Defaults.Optimizer);
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay (default 0)", DefaultValueFactory = _ => Defaults.WeightDecay };
        var distill = new Option<bool>("--distill") { Description = "Distil from the float model (KL at --temperature mixed with cross-entropy)" };
        var temperature = new Option<double>("--temperature") { Description = "Distillation temperature", DefaultValueFactory = _ => Defaults.Temperature };
        var augment = new Option<bool>("--augment") { Description = "Random crop (2-pixel padding) and horizontal flip" };
        var method = EnumOption.Create("--method", "Activation range initialisation: minmax (default), moving-average, meanstd, percentile, entropy or mse", Defaults.Method);
        var calibCount = new Option<int>("--calib-count") { Description = "Training samples used to initialise activation ranges", DefaultValueFactory = _ => Defaults.CalibCount };
        var learnScales = new Option<bool>("--learn-scales") { Description = "Learn scales (LSQ) and zero points; false freezes the calibrated ranges", DefaultValueFactory = _ => Defaults.LearnScales };
        var fakeQuant = new Option<bool>("--fake-quant") { Description = "false trains in plain float (baseline for throughput), then quantizes as PTQ", DefaultValueFactory = _ => Defaults.FakeQuant };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint folder; training resumes from it when it holds one" };
        var threads = CommonOptions.Threads();
        var json = CommonOptions.Json();
        var flags = new DataFlags();
        var command = new Command("qat", "Quantization-aware training: fine-tune with simulated quantization, export QDQ")
        {
            model, output, train, data, count, trainCount, weightBits, activationBits, weights, perChannel, epochs, steps, lr, optimizer,
            weightDecay, distill, temperature, augment, method, calibCount, learnScales, fakeQuant, checkpoint, threads, json,
        };
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetValue(model)!, outputPath = parse.GetValue(output)!;
            if (Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
                throw QuantaException.BadInput("--output: must differ from the input model (inputs are never modified)");
            var options = new QatOptions
            {
                WeightBits = parse.GetValue(weightBits),
                ActivationBits = parse.GetValue(activationBits),
                Weights = parse.GetValue(weights).Value,
                PerChannel = parse.GetValue(perChannel),
                Epochs = parse.GetValue(epochs),
                Steps = parse.GetValue(steps),
                TrainCount = parse.GetValue(trainCount),
                Batch = flags.BatchSize(parse),
                Optimizer = parse.GetValue(optimizer).Value,
                Lr = parse.GetValue(lr),
                WeightDecay = parse.GetValue(weightDecay),
                Distill = parse.GetValue(distill),
                Temperature = parse.GetValue(temperature),
                Augment = parse.GetValue(augment),
                Method = parse.GetValue(method).Value,
                CalibCount = parse.GetValue(calibCount),
                LearnScales = parse.GetValue(learnScales),
                LearnZeroPoints = parse.GetValue(learnScales),
                FakeQuant = parse.GetValue(fakeQuant),
                Seed = parse.GetValue(flags.Seed),
                Checkpoint = parse.GetValue(checkpoint),
                Threads = parse.GetValue(threads),
            };
            options.ThrowIfInvalid();
            var m = Model.Load(inputPath);
            var trainData = flags.Open(parse, parse.GetValue(train)!, options.TrainCount, "--train");
            var evalData = parse.GetValue(data) is { } d ? flags.Open(parse, d, parse.GetValue(count), "--count") : null;
            bool asJson = parse.GetValue(json);
            if (!asJson) Printer.Note($"recipe: {options.Describe()}");

            var clock = Stopwatch.StartNew();
            var result = QatRunner.Run(m, trainData, evalData, options, flags.Preprocessing(parse), new WorkLines(), new StepLines());
            result.Model.Save(outputPath);
            if (asJson) Printer.Json(Summary(result, inputPath, outputPath, clock.Elapsed.TotalSeconds));
            else Print(result, outputPath, clock.Elapsed.TotalSeconds);
            return 0;
        });
        return command;
    }

    static object Summary(QatResult r, string input, string output, double seconds) => new
    {
        model = input,
        output,
        recipe = r.Recipe,
        r.QuantizedNodes,
        training = r.Training,
        r.CalibrationSeconds,
        floatTop1 = r.FloatEval?.Top1,
        quantizedTop1 = r.QuantizedEval?.Top1,
        simulationTop1 = r.SimulationTop1,
        simulationCount = r.SimulationCount,
        evalCount = r.QuantizedEval?.Count,
        seconds,
    };

    static void Print(QatResult r, string output, double seconds)
    {
        var t = r.Training;
        var table = Printer.Table("", "value");
        table.AddCells("output", output);
        table.AddCells("quantized nodes", $"{r.QuantizedNodes} ({r.WeightQuantizers} weights, {r.ActivationQuantizers} activations fake-quantized)");
        table.AddCells("training", $"{t.Steps} steps ({t.StepsPerEpoch}/epoch){(t.ResumedFromStep > 0 ? $", resumed at {t.ResumedFromStep}" : "")}, {t.Seconds:0.0} s, {t.ImagesPerSecond:0} images/s");
        table.AddCells("loss", $"{t.FirstLoss:0.000} → {t.LastLoss:0.000}");
        if (r.FloatEval is { } f) table.AddCells("float top-1 (ORT)", $"{f.Top1:0.0000}");
        if (r.QuantizedEval is { } q) table.AddCells("QAT top-1 (ORT)", $"{q.Top1:0.0000} on {q.Count} samples");
        if (r.SimulationTop1 is { } s) table.AddCells("simulation top-1", $"{s:0.0000} on the first {r.SimulationCount} samples");
        table.AddCells("total time", $"{seconds:0.0} s");
        Printer.Stdout.Write(table);
    }

    /// <summary>Training steps on stderr: about twenty lines per run, plus the last step.</summary>
    sealed class StepLines : IProgress<TrainProgress>
    {
        public void Report(TrainProgress p)
        {
            int every = Math.Max(1, p.TotalSteps / 20);
            if (p.Step % every != 0 && p.Step != p.TotalSteps && p.Step != 1) return;
            Console.Error.WriteLine($"step {p.Step}/{p.TotalSteps}  epoch {p.Epoch}  loss {p.Loss:0.0000}  acc {p.Accuracy:0.000}  {p.ImagesPerSecond:0} images/s  lr {p.LearningRate:0.######}");
        }
    }

    sealed class WorkLines : IProgress<WorkProgress>
    {
        readonly Dictionary<string, long> _last = new();

        public void Report(WorkProgress p)
        {
            if (p.Done < p.Total && _last.TryGetValue(p.Task, out var last) && p.Done - last < Math.Max(1, p.Total / 4)) return;
            _last[p.Task] = p.Done;
            Console.Error.WriteLine($"{p.Task}: {p.Done}/{p.Total}");
        }
    }
}
