using System.Diagnostics;
using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Runtime;

namespace Quanta.Quantization;

/// <summary>
/// Post-training static quantization: prepare the graph, plan what to quantize, calibrate
/// activation ranges on real data, resolve parameters, write QDQ (and lower to integer
/// operators when asked), and record how the model was made in its metadata.
/// </summary>
public static class StaticQuantizer
{
    public static QuantizeResult Quantize(Model input, IDataset calibration, ResolvedRecipe recipe,
        RuntimeOptions? runtime = null, IProgress<WorkProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var prepared = PassPipeline.Run(input, PassPipeline.Normalize, out var preparation);
        var plan = Planner.Plan(prepared.Graph, recipe);

        var calibrationClock = Stopwatch.StartNew();
        var toCalibrate = plan.TensorsToCalibrate.ToList();
        var observers = Calibrator.Observe(prepared, toCalibrate, calibration,
            () => ObserverFactory.Create(recipe.Method, recipe.Calibration), recipe.CalibBatch, runtime, progress);
        var ranges = observers.ToDictionary(kv => kv.Key, kv => kv.Value.Range(plan.Tensors[kv.Key].Spec));
        double calibrationSeconds = calibrationClock.Elapsed.TotalSeconds;

        ParamResolver.Resolve(prepared.Graph, plan, ranges);
        var quantized = prepared.Clone();
        QdqWriter.Apply(quantized, plan);
        if (recipe.Format == QuantFormat.QOperator) QOperatorLowering.Apply(quantized);
        Stamp(quantized, recipe, calibration);

        var chosen = toCalibrate.Select(t => new ChosenRange(t, ranges[t].Min, ranges[t].Max, plan.Params[t].Scale[0], plan.Params[t].ZeroPoint[0])).ToList();
        return new QuantizeResult(quantized, recipe, plan, chosen, preparation, calibration.Count, calibrationSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Records how the model was made, so a quantized file explains itself.</summary>
    internal static void Stamp(Model model, ResolvedRecipe recipe, IDataset calibration)
    {
        model.Proto.ProducerName = "quanta";
        model.Proto.ProducerVersion = Version;
        model.SetMetadata("quanta.version", Version);
        model.SetMetadata("quanta.recipe", recipe.Describe());
        model.SetMetadata("quanta.calibration", $"{calibration.Description}; {recipe.CalibCount} samples, seed {recipe.Seed}");
    }

    public static string Version => typeof(StaticQuantizer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
