using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Quantization.Dynamic;
using Quanta.Quantization.WeightOnly;
using Quanta.Tests.Cli;
using Quanta.Tests.TestModels;
using Xunit.Abstractions;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Modes;

/// <summary>
/// A decoder exported for generation as ONNX Runtime GenAI's builder writes one (GroupQueryAttention with a
/// KV cache, skip RMS norms, mask and cache inputs): weight-only and dynamic quantization rewrite its
/// projections, leave attention, norms and the cache interface as exported, and the result generates
/// (a prompt step, then a step fed the cache) close to the float model in ONNX Runtime. Calibration
/// and perplexity take a plain text file: the mask and the empty cache are filled as for a first step.
/// </summary>
public sealed class KvCacheDecoderTests(ITestOutputHelper output) : IDisposable
{
    static readonly KvCacheDecoderConfig Config = new();
    static readonly Lazy<Model> Float = new(() => KvCacheDecoderModel.Build(Config));
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-kv-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A text file of printable bytes (token ids under the vocabulary), seeded.</summary>
    string Text(int bytes, int seed)
    {
        var r = new Random(seed);
        var text = new byte[bytes];
        for (int i = 0; i < bytes; i++) text[i] = (byte)r.Next(32, 127);
        string path = Path.Combine(_dir, $"text{seed}.txt");
        File.WriteAllBytes(path, text);
        return path;
    }

    [Theory]
    [InlineData(WeightOnlyAlgorithm.Rtn, false)]
    [InlineData(WeightOnlyAlgorithm.Rtn, true)]
    [InlineData(WeightOnlyAlgorithm.Gptq, false)]
    [InlineData(WeightOnlyAlgorithm.Gptq, true)]
    [InlineData(WeightOnlyAlgorithm.Awq, false)]
    public void Weight_only_keeps_attention_and_the_cache_as_exported_and_generates_close_to_float(WeightOnlyAlgorithm algorithm, bool fromDisk)
    {
        var options = new WeightOnlyOptions { Algorithm = algorithm, CalibCount = 8, CalibBatch = 4 };
        var calibration = options.NeedsCalibration ? new ByteTextDataset(Text(8 * 32, seed: 1), seq: 32) : null;
        var input = Float.Value;
        if (fromDisk)
        {
            // Saved with external data and loaded lazily: the streaming path (embedding and lm_head stay on disk until quantized).
            string path = Path.Combine(_dir, "float.onnx");
            input.Save(path, new SaveOptions(ExternalData: true));
            input = Model.Load(path);
            Assert.Contains(input.Graph.Initializers, ExternalData.IsOnDisk);
        }
        var result = WeightOnlyQuantizer.Quantize(input, options, calibration);
        var quantized = Q.SavedAndLoaded(result.Model);

        AssertExportedInterfaceKept(Float.Value, quantized);
        Assert.Equal(7 * Config.Layers + 1, quantized.Graph.Nodes.Count(n => n.OpType == "MatMulNBits"));
        Assert.DoesNotContain(quantized.Graph.Nodes, n => n.OpType == "MatMul" && n.Input.Any(quantized.Graph.IsInitializer));
        double cosine = WorstGenerationCosine(Float.Value, quantized);
        output.WriteLine($"{algorithm}{(fromDisk ? ", streamed" : "")}: worst logits/cache row cosine over a prompt and a cached step {cosine:0.00000}");
        Assert.True(cosine >= 0.98, $"{algorithm}: worst cosine {cosine:0.0000}");
    }

    [Fact]
    public void Dynamic_keeps_attention_and_the_cache_as_exported_and_generates_close_to_float()
    {
        var quantized = Q.SavedAndLoaded(DynamicQuantizer.Quantize(Float.Value, new DynamicOptions()).Model);

        AssertExportedInterfaceKept(Float.Value, quantized);
        double cosine = WorstGenerationCosine(Float.Value, quantized);
        output.WriteLine($"dynamic: worst logits/cache row cosine {cosine:0.00000}");
        Assert.True(cosine >= 0.99, $"dynamic: worst cosine {cosine:0.0000}");
    }

    [Fact]
    public void Perplexity_on_a_text_file_fills_the_mask_and_an_empty_cache()
    {
        string text = Text(16 * 32, seed: 2);
        var floatPerplexity = Perplexity.Evaluate(Float.Value, new ByteTextDataset(text, seq: 32), batchSize: 4);
        Assert.Equal(16 * 31, floatPerplexity.Tokens);
        Assert.True(double.IsFinite(floatPerplexity.Value) && floatPerplexity.Value > 1, $"perplexity {floatPerplexity.Value}");

        // The same through the CLI, on the 4-bit model: close to float's (random weights: the value itself means nothing).
        string model = Path.Combine(_dir, "q4.onnx");
        WeightOnlyQuantizer.Quantize(Float.Value, new WeightOnlyOptions()).Model.Save(model);
        var r = CliRunner.Run("eval", model, "--metric", "perplexity", "--text", text, "--seq", "32", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(r.Stdout);
        double q4 = json.RootElement.GetProperty("perplexity").GetDouble();
        output.WriteLine($"perplexity: float {floatPerplexity.Value:0.000}, 4-bit {q4:0.000}");
        Assert.InRange(q4 / floatPerplexity.Value, 0.9, 1.1);
    }

    [Fact]
    public void A_window_longer_than_the_rotary_cache_is_one_line_naming_the_node()
    {
        // The model's cos/sin caches hold 64 positions; text windows are 128 tokens. ONNX Runtime refuses the run:
        // that is the whole message, without ONNX Runtime's own log line before it.
        string model = Path.Combine(_dir, "float.onnx");
        Float.Value.Save(model);
        var r = CliRunner.Run("eval", model, "--data", Text(4 * 128, seed: 3), "--reference", model);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("GroupQueryAttention", CliRunner.SingleErrorLine(r));
        Assert.DoesNotContain("onnxruntime:", r.Stderr);
    }

    [Fact]
    public void Bench_needs_only_the_token_shape()
    {
        string model = Path.Combine(_dir, "float.onnx");
        Float.Value.Save(model);
        // --shape input_ids=…: the batch axis is the benchmark's; the mask follows the ids and the cache is empty (a prompt step).
        var r = CliRunner.Run("bench", model, "--shape", "input_ids=1x16", "--runs", "5", "--warmup", "1", "--batch", "2", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var result = json.RootElement.GetProperty("result");
        Assert.True(result.GetProperty("latencyP50Ms").GetDouble() > 0);
        Assert.Equal(2, result.GetProperty("batch").GetInt32());
    }

    /// <summary>Inputs and outputs as declared; attention and norm nodes as they were (inputs, outputs, attributes).</summary>
    static void AssertExportedInterfaceKept(Model reference, Model quantized)
    {
        Assert.Equal(reference.Graph.RealInputs.Select(i => (i.Name, i.Type.TensorType.ElemType)), quantized.Graph.RealInputs.Select(i => (i.Name, i.Type.TensorType.ElemType)));
        Assert.Equal(reference.Graph.Outputs.Select(o => o.Name), quantized.Graph.Outputs.Select(o => o.Name));
        foreach (var op in new[] { "GroupQueryAttention", "SkipSimplifiedLayerNormalization", "SimplifiedLayerNormalization" })
        {
            var before = reference.Graph.Nodes.Where(n => n.OpType == op).ToList();
            var after = quantized.Graph.Nodes.Where(n => n.OpType == op).ToList();
            Assert.NotEmpty(before);
            Assert.Equal(before.Select(n => n.ToString()), after.Select(n => n.ToString()));
        }
    }

    /// <summary>
    /// Both models generate for two prompts of 6 tokens, then one more token each fed the cache the prompt step
    /// returned; the worst row cosine over the logits of both steps and the final cache.
    /// </summary>
    static double WorstGenerationCosine(Model reference, Model candidate)
    {
        const int batch = 2, prompt = 6;
        var ids = TiedDecoderModel.Ids(batch, prompt, 256, seed: 7);
        var next = TiedDecoderModel.Ids(batch, 1, 256, seed: 8);
        var a = Generate(reference, ids, next, batch, prompt);
        var b = Generate(candidate, ids, next, batch, prompt);
        return a.Keys.Min(name => EncoderRunner.WorstRowCosine(a[name], b[name], name.StartsWith("present", StringComparison.Ordinal) ? Config.HeadSize : Config.Vocab));
    }

    static Dictionary<string, float[]> Generate(Model model, long[] ids, long[] next, int batch, int prompt)
    {
        using var session = new InferenceSession(model.ToBytes(), new SessionOptions { IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR });
        var cache = Enumerable.Range(0, Config.Layers).SelectMany(l => new[] { $"key_values.{l}.key", $"key_values.{l}.value" }).ToList();
        var past = cache.ToDictionary(n => n, _ => new DenseTensor<float>([batch, Config.KvHeads, 0, Config.HeadSize]));
        var outputs = new Dictionary<string, float[]>();
        foreach (var (step, tokens, length) in new[] { ("prompt", ids, prompt), ("next", next, 1) })
        {
            int total = (int)past.Values.First().Dimensions[2] + length;
            var feeds = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(tokens, [batch, length])),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, batch * total).ToArray(), [batch, total])),
            };
            feeds.AddRange(past.Select(p => NamedOnnxValue.CreateFromTensor("past_" + p.Key, p.Value)));
            using var results = session.Run(feeds);
            outputs[step + " logits"] = results.First(r => r.Name == "logits").AsEnumerable<float>().ToArray();
            foreach (var name in cache)
            {
                var present = results.First(r => r.Name == "present" + name["key_values".Length..]).AsTensor<float>();
                past[name] = new DenseTensor<float>(present.ToArray(), present.Dimensions.ToArray());
            }
        }
        foreach (var (name, tensor) in past) outputs["present" + name["key_values".Length..]] = tensor.ToArray();
        return outputs;
    }
}
