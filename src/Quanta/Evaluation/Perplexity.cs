using System.Diagnostics;
using Quanta.Data;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Evaluation;

/// <summary>
/// Perplexity of a causal language model on token windows: <c>exp(−1/T · Σ log p(token_{t+1} | tokens ≤ t))</c>,
/// each position predicting the next token inside its window (seq − 1 predictions per window). Windows
/// are byte tokens of a text file (<see cref="ByteTextDataset"/>) or ids the model's own tokenizer made
/// (<c>.npy</c>/<c>.npz</c> of int64 or int32 [windows, seq]: <c>input_ids</c>, or the only array). The
/// model's first output must be logits [batch, seq, vocab]. Streamed: memory is one batch of logits.
/// </summary>
public static class Perplexity
{
    public static PerplexityResult Evaluate(Model model, IDataset text, RuntimeOptions? runtime = null,
        int batchSize = 8, IProgress<WorkProgress>? progress = null)
    {
        using var runner = new ModelRunner(model, runtime);
        batchSize = runner.BatchSize(batchSize, text);
        string logits = runner.OutputNames[0];
        int windows = 0;
        double nll = 0;
        long predicted = 0;
        var clock = Stopwatch.StartNew();
        foreach (var batch in text.Batches(batchSize))
        {
            var complete = runner.Inputs.Complete(batch);
            var (ids, seq) = TokenIds(runner.Inputs, complete, text.Description);
            runner.Run(complete, (name, shape, values) =>
            {
                if (name != logits) return;
                if (shape.Length != 3 || shape[0] != batch.Count || shape[1] != seq)
                    throw QuantaException.BadInput($"output '{name}' has shape [{string.Join(",", shape)}]; perplexity needs logits [batch, {seq}, vocab]");
                int vocab = (int)shape[2];
                for (int w = 0; w < batch.Count; w++)
                    for (int t = 0; t + 1 < seq; t++)
                    {
                        int target = (int)ids[w * seq + t + 1];
                        if (target < 0 || target >= vocab) throw QuantaException.BadInput($"{text.Description}: token {target} is outside the model's vocabulary of {vocab}");
                        nll -= LogSoftmaxAt(values.Slice((w * seq + t) * vocab, vocab), target);
                    }
                predicted += (long)batch.Count * (seq - 1);
            });
            windows += batch.Count;
            progress?.Report(new WorkProgress("perplexity", windows, text.Count));
        }
        return new PerplexityResult(windows, predicted, predicted > 0 ? nll / predicted : double.NaN, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The token ids [windows, seq] of a completed batch (<see cref="ModelInputs.Complete"/>): the array that feeds the model's token input.</summary>
    static (long[] Ids, int Seq) TokenIds(ModelInputs inputs, Batch complete, string what)
    {
        var tokens = (inputs.TokenInput is { } input ? complete.Inputs.FirstOrDefault(t => t.Name == input.Name) : null)
            ?? throw QuantaException.BadInput($"{what}: perplexity needs token ids (an array named input_ids, or a single array)");
        if (tokens.Shape.Length != 2 || tokens.Shape[1] < 2)
            throw QuantaException.BadInput($"{what}: token ids must be [windows, seq] with seq ≥ 2, got [{string.Join(",", tokens.Shape)}]");
        long[] ids = tokens.Values switch
        {
            long[] l => l,
            int[] i => Array.ConvertAll(i, v => (long)v),
            _ => throw QuantaException.BadInput($"{what}: token ids must be integers, got {tokens.ElementType.ToString().ToLowerInvariant()}"),
        };
        return (ids, (int)tokens.Shape[1]);
    }

    /// <summary>log softmax(row)[index], in double with the max subtracted.</summary>
    internal static double LogSoftmaxAt(ReadOnlySpan<float> row, int index)
    {
        float max = float.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in row) sum += Math.Exp(v - max);
        return row[index] - max - Math.Log(sum);
    }
}
