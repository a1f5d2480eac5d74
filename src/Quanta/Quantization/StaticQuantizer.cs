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
        if (recipe.Method == CalibrationMethod.Auto) return AutoCalibration.Quantize(input, calibration, recipe, runtime, progress);
        var clock = Stopwatch.StartNew();
        var prepared = Prepare(input, calibration, recipe, runtime, progress, out var preparation);
        var plan = Planner.Plan(prepared.Graph, recipe);

        var calibrationClock = Stopwatch.StartNew();
        var toCalibrate = plan.TensorsToCalibrate.ToList();
        var run = Calibrator.Observe(prepared, toCalibrate, calibration,
            () => ObserverFactory.Create(recipe.Method, recipe.Calibration), recipe.CalibBatch, runtime, progress);
        // A control-flow branch the data never took leaves its tensors unobserved: those nodes stay float.
        plan = Planner.WithoutUnobserved(prepared.Graph, recipe, plan, t => run.Observers.TryGetValue(t, out var o) && o.Count > 0);
        // Range searches (KL, MSE) are independent per tensor and cost milliseconds each: use every core.
        var ranges = run.Observers.Where(kv => plan.Tensors.ContainsKey(kv.Key) && kv.Value.Count > 0).AsParallel()
            .Select(kv => (kv.Key, Range: kv.Value.Range(plan.Tensors[kv.Key].Spec)))
            .ToDictionary(r => r.Key, r => r.Range);
        double calibrationSeconds = calibrationClock.Elapsed.TotalSeconds;

        return Write(prepared, preparation, plan, ranges, recipe,
            new CalibrationSummary(calibration.Description, run.Samples, run.DataDigest, calibrationSeconds), clock,
            Recover(recipe, calibration, runtime, progress));
    }

    /// <summary>
    /// The recipe's recovery steps that run once parameters are known (AdaRound, bias correction), as
    /// <see cref="Write"/>'s <c>recover</c>; null when it asks for none. Every static path passes it on.
    /// </summary>
    internal static Func<Model, QuantPlan, Model>? Recover(ResolvedRecipe recipe, IDataset calibration, RuntimeOptions? runtime, IProgress<WorkProgress>? progress) =>
        recipe.Recovery.AfterPlanning
            ? (model, resolved) => Recovery.WeightRecovery.Apply(model, resolved, recipe.Recovery, calibration, recipe.CalibBatch, runtime, progress)
            : null;

    /// <summary>
    /// The graph every static path plans on: normalised, then (with --smoothquant) smoothed on the
    /// calibration data — a rewrite of the float model, so it comes before planning.
    /// </summary>
    internal static Model Prepare(Model input, IDataset calibration, ResolvedRecipe recipe, RuntimeOptions? runtime,
        IProgress<WorkProgress>? progress, out List<(string Pass, int Rewrites)> preparation)
    {
        var prepared = PassPipeline.Run(input, PassPipeline.Normalize, out preparation);
        if (recipe.Recovery.Equalize)
        {
            // Equalization changes weights only (outputs stay equal); calibration must see the equalized activations.
            prepared = PassPipeline.Run(prepared, [new Recovery.CrossLayerEqualization(), new InferShapes()], out var equalization);
            preparation.AddRange(equalization);
        }
        if (recipe.SmoothQuant is not { } alpha) return prepared;
        var smoothed = Recovery.SmoothQuant.Run(prepared, calibration, alpha, recipe.CalibBatch, runtime, progress,
            new Recovery.SmoothQuantAlpha.Rounding(recipe.WeightSpec, recipe.PerChannel, recipe.ActivationSpec));
        preparation.Add(("smoothquant", smoothed.Sites.Count));
        return smoothed.Model;
    }

    /// <summary>What calibration saw, for the result and the model's metadata.</summary>
    internal sealed record CalibrationSummary(string Data, int Samples, string Digest, double Seconds);

    /// <summary>
    /// The shared second half of static quantization, once ranges are known: resolve parameters,
    /// write QDQ (and lower to integer operators when asked), record how the model was made.
    /// <paramref name="recover"/>, when given, returns the float model to write instead of <paramref name="prepared"/>
    /// (same graph, weights and biases changed by recovery once the parameters are known).
    /// </summary>
    internal static QuantizeResult Write(Model prepared, List<(string Pass, int Rewrites)> preparation, QuantPlan plan,
        IReadOnlyDictionary<string, (float Min, float Max)> ranges, ResolvedRecipe recipe, CalibrationSummary calibration, Stopwatch clock,
        Func<Model, QuantPlan, Model>? recover = null)
    {
        ParamResolver.Resolve(prepared.Graph, plan, ranges);
        var quantized = recover is null ? prepared.Clone() : recover(prepared, plan);
        QdqWriter.Apply(quantized, plan);
        if (recipe.Format == QuantFormat.QOperator) QOperatorLowering.Apply(quantized);
        ModelStamp.Apply(quantized, recipe.Describe(), $"{calibration.Data}; {calibration.Samples} samples, seed {recipe.Seed}", calibration.Digest);
        var chosen = plan.TensorsToCalibrate
            .Select(t => new ChosenRange(t, ranges[t].Min, ranges[t].Max, plan.Params[t].Scale[0], plan.Params[t].ZeroPoint[0])).ToList();
        return new QuantizeResult(quantized, recipe, plan, chosen, preparation, calibration.Samples, calibration.Seconds, clock.Elapsed.TotalSeconds,
            CollapsedChannels.Find(prepared.Graph, plan))
        {
            // A variant plans only tensors whose ranges are known here; nodes around any other stay float.
            Rewrite = (variant, recovery) => Write(prepared, preparation,
                Planner.WithoutUnobserved(prepared.Graph, variant, Planner.Plan(prepared.Graph, variant), ranges.ContainsKey),
                ranges, variant, calibration, Stopwatch.StartNew(), recovery ? recover : null),
        };
    }

    public static string Version => typeof(StaticQuantizer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
