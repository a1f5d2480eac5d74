using System.Diagnostics;
using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Training.Execution;
using Quanta.Training.Export;
using Quanta.Training.Quant;
using Quanta.Training.Train;
using static TorchSharp.torch;

namespace Quanta.Training;

/// <summary>
/// Quantization-aware training end to end: normalize (BatchNorm folded — training runs on the
/// folded graph, which is also what is exported), build the simulation, initialise activation
/// ranges from calibration on the first training samples, train, export QDQ, and evaluate the
/// exported model in ONNX Runtime.
/// </summary>
public static class QatRunner
{
    public static QatResult Run(Model input, IDataset train, IDataset? eval, QatOptions options, Preprocessing preprocessing,
        IProgress<WorkProgress>? work = null, IProgress<TrainProgress>? steps = null, CancellationToken cancel = default)
    {
        options.ThrowIfInvalid();
        if (!train.HasLabels) throw QuantaException.BadInput($"{train.Description}: training needs labelled data");
        if (options.Threads > 0) set_num_threads(options.Threads);
        manual_seed(options.Seed);

        var normalized = PassPipeline.Run(input, PassPipeline.Normalize, out _);
        var recipe = QuantSim.RecipeFor(options, Hardware.Detect());
        using var student = new OnnxModule(normalized);
        var sim = QuantSim.Attach(student, normalized, options, recipe);

        var clock = Stopwatch.StartNew();
        sim.Calibrate(student, CalibrationBatches(train, options, work));
        double calibrationSeconds = clock.Elapsed.TotalSeconds;
        sim.Enabled = options.FakeQuant;

        using var teacher = options.Distill ? new OnnxModule(normalized) : null;
        var batches = new TrainBatches(train, options.Batch, options.Seed, options.Augment, PadValue(preprocessing));
        var fingerprint = $"{input.Source}|{new FileInfo(input.Source).Length}|{options with { Checkpoint = null, Threads = 0 }}|{train.Description}";
        var summary = new Trainer(student, sim, teacher, options, fingerprint).Train(batches, steps, cancel);

        if (!options.FakeQuant)
        {
            // Float fine-tuning (the baseline): quantize the result as PTQ would, ranges measured again.
            foreach (var (name, fq) in sim.Weights) WeightInit.Initialize(fq, student.Weights[name]);
            sim.Calibrate(student, CalibrationBatches(train, options, work));
        }
        var (model, plan) = QatExporter.Export(normalized, student, sim);
        Stamp(model, options, train, summary);

        EvalResult? floatEval = null, quantEval = null;
        (double Top1, int Count)? simTop1 = null;
        if (eval is not null)
        {
            floatEval = Evaluator.Evaluate(input, eval, new RuntimeOptions(options.Threads), 128, work);
            quantEval = Evaluator.Evaluate(model, eval, new RuntimeOptions(options.Threads), 128, work);
            sim.Enabled = true;
            if (options.SimulationEvalCount > 0) simTop1 = SimEvaluator.Top1(student, eval, options.SimulationEvalCount);
        }
        return new QatResult(model, options.Describe(), plan.QuantizedNodes.Count, sim.Activations.Count, sim.Weights.Count,
            summary, calibrationSeconds, floatEval, quantEval, simTop1?.Top1, simTop1?.Count);
    }

    static IEnumerable<Tensor> CalibrationBatches(IDataset train, QatOptions o, IProgress<WorkProgress>? work)
    {
        int seen = 0;
        foreach (var b in train.Batches(Math.Min(o.Batch, o.CalibCount)))
        {
            if (seen >= o.CalibCount) yield break;
            using var x = tensor(b.Data, b.Shape);
            yield return x;
            seen += b.Count;
            work?.Report(new WorkProgress("calibrating", Math.Min(seen, o.CalibCount), o.CalibCount));
        }
    }

    /// <summary>The normalized value of a black pixel, per channel: what augmentation pads with.</summary>
    static float[] PadValue(Preprocessing p) =>
        Enumerable.Range(0, Math.Max(p.Mean.Length, p.Std.Length))
            .Select(c => (0f - p.Mean[Math.Min(c, p.Mean.Length - 1)]) / p.Std[Math.Min(c, p.Std.Length - 1)]).ToArray();

    /// <summary>PTQ's stamp (tool version, recipe), plus what only training knows.</summary>
    static void Stamp(Model model, QatOptions o, IDataset train, TrainSummary s)
    {
        ModelStamp.Apply(model, o.Describe());
        model.SetMetadata("quanta.training", $"{train.Description}; {s.Steps} steps of batch {o.Batch}, seed {o.Seed}");
        if (o.Weights != WeightScheme.Uniform)
            model.SetMetadata("quanta.weights", $"{o.Weights.ToString().ToLowerInvariant()}: int8 storage holding only {(o.Weights == WeightScheme.Ternary ? "-1, 0, 1" : "-1, 1")} times the per-{(o.PerChannel ? "channel" : "tensor")} scale");
    }
}
