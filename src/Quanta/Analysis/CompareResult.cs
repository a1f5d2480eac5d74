using Quanta.Calibration;

namespace Quanta.Analysis;

/// <summary>How a comparison runs.</summary>
/// <param name="BatchSize">Samples per ONNX Runtime run.</param>
/// <param name="HistogramBins">Bins of the float-activation histograms kept for plots (a power of two).</param>
/// <param name="Output">The output whose agreement is reported; null: the first.</param>
/// <param name="MemoryBudgetBytes">What one run's exposed activations may take (both models, with copies); the batch shrinks to fit.</param>
public sealed record CompareOptions(int BatchSize = 64, int HistogramBins = 256, string? Output = null, long MemoryBudgetBytes = 768L << 20)
{
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (BatchSize < 1) problems.Add($"{nameof(BatchSize)} must be at least 1, got {BatchSize}");
        if (HistogramBins < 16 || (HistogramBins & (HistogramBins - 1)) != 0) problems.Add("histogram bins must be a power of two ≥ 16");
        return problems;
    }
}

/// <summary>
/// A float and a quantized model compared tensor by tensor: every quantized tensor's error, worst
/// (lowest SQNR) first; the final output's agreement; the quantized tensors that had no float
/// counterpart; and small histograms of the float activations (for plots of the chosen ranges).
/// </summary>
public sealed record CompareResult(
    int Samples,
    List<TensorError> Tensors,
    OutputAgreement Output,
    List<string> Unmatched,
    Dictionary<string, Histogram> Histograms);
