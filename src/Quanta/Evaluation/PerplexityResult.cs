namespace Quanta.Evaluation;

/// <summary>Mean negative log-likelihood per predicted token (nats) and what follows from it.</summary>
public sealed record PerplexityResult(int Windows, long Tokens, double MeanNll, double Seconds)
{
    public double Value => Math.Exp(MeanNll);
    /// <summary>For a byte-level model, bits per byte.</summary>
    public double BitsPerToken => MeanNll / Math.Log(2);
    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}
