using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Quanta.IR;

namespace Quanta.Tests.TestModels;

/// <summary>
/// Runs a model with named int64 inputs in ONNX Runtime (the encoder's three, a decoder's ids)
/// and returns one float output. Test-side feeding: the CLI's data path reads image-like inputs.
/// </summary>
sealed class EncoderRunner : IDisposable
{
    readonly InferenceSession _session;

    public EncoderRunner(Model model)
    {
        var options = new SessionOptions { IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        _session = new InferenceSession(model.ToBytes(), options);
    }

    public float[] Run(EncoderBatch b, string output = "embedding") => Run(output, b.Batch, b.Seq,
        ("input_ids", b.InputIds), ("attention_mask", b.AttentionMask), ("token_type_ids", b.TokenTypeIds));

    public float[] Run(string output, int batch, int seq, params (string Name, long[] Values)[] inputs) =>
        Run([output], batch, seq, inputs)[output];

    /// <summary>Several outputs of one run, by name.</summary>
    public Dictionary<string, float[]> Run(IReadOnlyCollection<string> outputs, EncoderBatch b) => Run(outputs, b.Batch, b.Seq,
        ("input_ids", b.InputIds), ("attention_mask", b.AttentionMask), ("token_type_ids", b.TokenTypeIds));

    public Dictionary<string, float[]> Run(IReadOnlyCollection<string> outputs, int batch, int seq, params (string Name, long[] Values)[] inputs)
    {
        var feeds = inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<long>(i.Values, [batch, seq]))).ToList();
        using var results = _session.Run(feeds, outputs);
        return results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
    }

    /// <summary>Cosine of each row of width <paramref name="width"/>, the worst returned (one bad sentence is a bad model).</summary>
    public static double WorstRowCosine(float[] a, float[] b, int width)
    {
        double worst = 1;
        for (int start = 0; start < a.Length; start += width)
        {
            double dot = 0, na = 0, nb = 0;
            for (int i = start; i < start + width; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
            worst = Math.Min(worst, dot / Math.Sqrt(na * nb));
        }
        return worst;
    }

    public void Dispose() => _session.Dispose();
}
