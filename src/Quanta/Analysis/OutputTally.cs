using Quanta.Evaluation;

namespace Quanta.Analysis;

/// <summary>Streams [batch, classes] scores of a reference and a candidate model into an <see cref="OutputAgreement"/>.</summary>
public sealed class OutputTally
{
    readonly ErrorAccumulator _error = new();
    readonly AccuracyTally _referenceAccuracy = new(), _candidateAccuracy = new();
    double _kl;
    long _agree;
    bool _labelled;

    public int Samples { get; private set; }

    public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate, int classes, ReadOnlySpan<int> labels)
    {
        _error.Add(reference, candidate);
        int n = reference.Length / classes;
        for (int i = 0; i < n; i++)
        {
            var r = reference.Slice(i * classes, classes);
            var c = candidate.Slice(i * classes, classes);
            if (ArgMax(r) == ArgMax(c)) _agree++;
            _kl += Kl(r, c);
        }
        if (labels.Length == n && n > 0)
        {
            _labelled = true;
            _referenceAccuracy.Add(reference, classes, labels);
            _candidateAccuracy.Add(candidate, classes, labels);
        }
        Samples += n;
    }

    public OutputAgreement Result(string output) => new(
        output, Samples, _error.SqnrDb, _error.Cosine,
        Samples == 0 ? 0 : (double)_agree / Samples,
        Samples == 0 ? 0 : _kl / Samples,
        _labelled ? _referenceAccuracy.Result(0).Top1 : null,
        _labelled ? _candidateAccuracy.Result(0).Top1 : null);

    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
            if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>KL(softmax(p) ‖ softmax(q)) from logits, with log-sum-exp for stability.</summary>
    static double Kl(ReadOnlySpan<float> p, ReadOnlySpan<float> q)
    {
        double lp = LogSumExp(p), lq = LogSumExp(q), kl = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double logP = p[i] - lp, logQ = q[i] - lq;
            kl += Math.Exp(logP) * (logP - logQ);
        }
        return Math.Max(0, kl);
    }

    static double LogSumExp(ReadOnlySpan<float> x)
    {
        double max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in x) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
