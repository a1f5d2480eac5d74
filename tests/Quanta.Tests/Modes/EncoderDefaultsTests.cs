using System.IO.Compression;
using System.Runtime.InteropServices;
using Quanta.Analysis;
using Quanta.Data;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Data;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Modes;

/// <summary>The BERT-like encoder through the public path a user takes: .npz keyed by its three int64 inputs, default recipe.</summary>
public class EncoderDefaultsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly EncoderConfig Config = new();

    static void Write(string path, EncoderBatch b) => Writers.Npz(path, CompressionLevel.Fastest,
        ("input_ids", Writers.Npy("<i8", [b.Batch, b.Seq], MemoryMarshal.AsBytes(b.InputIds.AsSpan()))),
        ("attention_mask", Writers.Npy("<i8", [b.Batch, b.Seq], MemoryMarshal.AsBytes(b.AttentionMask.AsSpan()))),
        ("token_type_ids", Writers.Npy("<i8", [b.Batch, b.Seq], MemoryMarshal.AsBytes(b.TokenTypeIds.AsSpan()))));

    [Fact]
    public void StaticDefaultsKeepTheEmbeddingWithinCosine099()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp["calib"]);
        for (int i = 0; i < 4; i++) Write(Path.Combine(tmp["calib"], $"{i}.npz"), EncoderModel.Sample(Config, 16, 24 + 4 * i, seed: i));
        Write(tmp["held-out.npz"], EncoderModel.Sample(Config, 64, 32, seed: 101));
        var model = EncoderModel.Build(Config);
        var plain = new DataOptions(Preprocessing.Identity);
        var q = StaticQuantizer.Quantize(model, DataSource.Open(tmp["calib"], plain), new QuantRecipe { CalibCount = 64 }.Resolve(Hardware.Detect()));
        var score = ReferenceRun.Of(model, DataSource.Open(tmp["held-out.npz"], plain), new ScoreOptions(Metric: Metric.Cosine)).Score(q.Model);
        output.WriteLine($"encoder static defaults: mean cosine {score.MeanCosine:0.00000}, SQNR {score.SqnrDb:0.00} dB, size {(double)q.Model.SerializedBytes() / model.SerializedBytes():0.000}");
        Assert.True(score.MeanCosine >= 0.99, $"mean cosine {score.MeanCosine:0.0000}");
    }
}
