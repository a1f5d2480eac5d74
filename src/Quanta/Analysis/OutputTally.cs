using Quanta.Evaluation;

namespace Quanta.Analysis;

/// <summary>
/// Streams one output of a reference and a candidate model into an <see cref="OutputAgreement"/>:
/// sums only, so memory does not grow with the data. Rows are the positions along the last axis
/// (a sample of [N,C], a step of [N,T,C]); accuracy is counted where the labels fit the rows
/// (<see cref="LabelledRows"/>: a label per sample of [N,C], per step of [N,T,C]).
/// </summary>
internal sealed class OutputTally
{
    readonly ErrorAccumulator _error = new();
    readonly AccuracyTally _referenceAccuracy = new(), _candidateAccuracy = new();
    double _kl, _cosine;
    long _agree, _rows;
    bool _labelled;

    public int Samples { get; private set; }

    /// <summary>Adds a batch of <paramref name="samples"/> samples; both spans hold the same output of that batch.</summary>
    public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate, long[] shape, int samples, ReadOnlySpan<int> labels)
    {
        if (samples <= 0) return;
        _error.Add(reference, candidate);
        int classes = shape.Length >= 2 ? (int)shape[^1] : 1;
        int rows = classes > 0 ? reference.Length / classes : 0;
        for (int i = 0; classes > 1 && i < rows; i++)
        {
            var r = reference.Slice(i * classes, classes);
            var c = candidate.Slice(i * classes, classes);
            if (ArgMax(r) == ArgMax(c)) _agree++;
            _kl += Kl(r, c);
        }
        if (classes > 1) _rows += rows;
        int per = reference.Length / samples;
        for (int s = 0; s < samples; s++) _cosine += Cosine(reference.Slice(s * per, per), candidate.Slice(s * per, per));
        int labelled = LabelledRows.Classes(shape, samples, labels.Length);
        if (labelled > 0)
        {
            _labelled = true;
            _referenceAccuracy.Add(reference, labelled, labels);
            _candidateAccuracy.Add(candidate, labelled, labels);
        }
        Samples += samples;
    }

    public OutputAgreement Result(string output) => new(
        output, Samples, _error.SqnrDb, _error.Cosine,
        _rows == 0 ? 0 : (double)_agree / _rows,
        _rows == 0 ? 0 : _kl / _rows,
        _labelled ? _referenceAccuracy.Result(0).Top1 : null,
        _labelled ? _candidateAccuracy.Result(0).Top1 : null,
        Samples == 0 ? 0 : _cosine / Samples);

    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
            if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>Cosine similarity; two all-zero vectors agree perfectly.</summary>
    static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        if (na == 0 && nb == 0) return 1;
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
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
