using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Analysis;

/// <summary>
/// Quantizes one layer at a time (all others float) and, optionally, all layers but one, on
/// statistics calibrated once, and ranks layers by the output noise they cause. Output noise powers
/// add up roughly independently across layers, so each layer's share is comparable across the model.
/// </summary>
public static class SensitivityAnalyzer
{
    public static SensitivityResult Analyze(CalibratedModel calibrated, ResolvedRecipe recipe, ReferenceRun reference,
        SensitivityOptions? options = null, IProgress<WorkProgress>? progress = null)
    {
        options ??= new SensitivityOptions();
        var full = calibrated.Quantize(recipe);
        var layers = Layer.Of(full.Plan);
        var fullScore = reference.Score(full.Model);
        double fullNoise = Noise(fullScore.SqnrDb);
        var results = new List<LayerSensitivity>(layers.Count);
        int done = 0, total = layers.Count * (options.Inverse ? 2 : 1);
        foreach (var layer in layers)
        {
            var only = reference.Score(calibrated.Quantize(LayerRecipes.Only(recipe, layer)).Model);
            progress?.Report(new WorkProgress("layers", ++done, total));
            OutputAgreement? allBut = null;
            if (options.Inverse)
            {
                allBut = reference.Score(calibrated.Quantize(LayerRecipes.Raise(recipe, [layer], Precision.Float)).Model);
                progress?.Report(new WorkProgress("layers", ++done, total));
            }
            double own = Noise(only.SqnrDb);
            double removed = allBut is null ? own : Math.Max(0, fullNoise - Noise(allBut.SqnrDb));
            double share = fullNoise > 0 ? (allBut is null ? own : (own + removed) / 2) / fullNoise : 0;
            results.Add(new LayerSensitivity(layer.Name, layer.OpType, only.SqnrDb, only.QuantizedTop1, allBut?.SqnrDb, allBut?.QuantizedTop1, share));
        }
        results.Sort((a, b) => b.NoiseShare.CompareTo(a.NoiseShare));
        return new SensitivityResult(reference.Data.Count, reference.Top1, fullScore, results);
    }

    /// <summary>Relative noise power from SQNR in dB.</summary>
    public static double Noise(double sqnrDb) => double.IsFinite(sqnrDb) ? Math.Pow(10, -sqnrDb / 10) : 1;
}
