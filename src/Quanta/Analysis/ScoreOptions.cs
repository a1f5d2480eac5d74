namespace Quanta.Analysis;

/// <summary>How candidates are scored against the float model.</summary>
/// <param name="BatchSize">Samples per run (a model with a fixed batch runs at its own).</param>
/// <param name="Output">The output to score; null: the model's first output.</param>
/// <param name="Metric">null: <see cref="Metrics.Default"/> for the data and output.</param>
public sealed record ScoreOptions(int BatchSize = 64, string? Output = null, Metric? Metric = null);
