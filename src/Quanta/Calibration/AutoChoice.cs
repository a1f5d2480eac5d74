using System.Globalization;

namespace Quanta.Calibration;

/// <summary>One candidate `--method auto` scored: which ranges, and how closely the quantized model's output followed the float model's.</summary>
/// <param name="Candidate">"percentile" (every tensor), or "TENSOR → minmax" (one tensor changed from the best so far).</param>
/// <param name="SqnrDb">Output SQNR against the float model on the scoring samples (higher is better).</param>
/// <param name="Agreement">Share of scoring samples whose top-1 class matches the float model's.</param>
/// <param name="Kept">Whether this candidate became (part of) the choice.</param>
/// <param name="Note">Why it was not run on its own ("same ranges as minmax"), or empty.</param>
public sealed record AutoTrial(string Candidate, double SqnrDb, double Agreement, bool Kept, string Note = "");

/// <summary>
/// What `--method auto` chose: one method for the model, the tensors that do better with another,
/// every scored candidate, and why (the evidence in words). Stored in the quantized model's metadata.
/// <see cref="ByAgreement"/>: candidates were ranked by top-1 agreement with the float model first (class scores).
/// </summary>
public sealed record AutoChoice(
    CalibrationMethod Method,
    IReadOnlyDictionary<string, CalibrationMethod> Tensors,
    IReadOnlyList<AutoTrial> Trials,
    int ScoredSamples,
    bool HeldOut,
    string Why,
    bool ByAgreement = false)
{
    public CalibrationMethod MethodFor(string tensor) => Tensors.TryGetValue(tensor, out var m) ? m : Method;

    /// <summary>One line for the model's metadata: the choice, per-tensor exceptions, every score.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        string tensors = Tensors.Count == 0 ? "" : "; " + string.Join(", ", Tensors.Select(kv => $"{kv.Key}: {OptionNames.Of(kv.Value)}"));
        string scores = string.Join(", ", Trials.Select(t => string.Create(c, $"{t.Candidate} {(ByAgreement ? $"{t.Agreement:0.000}, " : "")}{t.SqnrDb:0.00} dB")));
        string criterion = ByAgreement ? "top-1 agreement, then output SQNR" : "output SQNR";
        return $"{OptionNames.Of(Method)}{tensors} ({criterion} on {ScoredSamples} {(HeldOut ? "held-out " : "")}calibration samples: {scores}). {Why}";
    }
}
