using Quanta.IR;
using Quanta.Onnx;
using Quanta.Quantization.Dynamic;
using Quanta.Quantization.WeightOnly;
using Quanta.Tests.TestModels;
using Xunit.Abstractions;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Modes;

/// <summary>
/// Embedding tables (Gather over a large constant) in dynamic and weight-only modes, on a BERT-like
/// encoder and on decoders whose output projection is tied to the table, run in ONNX Runtime.
/// </summary>
public class EmbeddingTests(ITestOutputHelper output)
{
    static readonly EncoderConfig Config = new();
    static readonly Lazy<Model> Encoder = new(() => EncoderModel.Build(Config));

    /// <summary>Held-out sentences: seeds the model never saw, padded like a tokenizer's batches.</summary>
    static readonly EncoderBatch[] HeldOut = [EncoderModel.Sample(Config, 8, 32, seed: 101), EncoderModel.Sample(Config, 4, 17, seed: 202)];

    static double WorstCosine(Model reference, Model candidate)
    {
        using var a = new EncoderRunner(reference);
        using var b = new EncoderRunner(candidate);
        return HeldOut.Min(batch => EncoderRunner.WorstRowCosine(a.Run(batch), b.Run(batch), Config.Hidden));
    }

    [Fact]
    public void DynamicEncoderIsUnderAThirdOfTheFloatFileAndKeepsItsEmbeddings()
    {
        var model = Encoder.Value;
        var result = DynamicQuantizer.Quantize(model, new DynamicOptions());
        var quantized = Q.SavedAndLoaded(result.Model);

        double ratio = (double)quantized.SerializedBytes() / model.SerializedBytes();
        Assert.True(ratio <= 0.30, $"dynamic file is {ratio:0.000}× the float file");
        Assert.Equal(1, result.ConvertedByOpType.GetValueOrDefault("Gather"));
        var gbq = Assert.Single(quantized.Graph.Nodes, n => n.OpType == "GatherBlockQuantized");
        Assert.Equal("com.microsoft", gbq.Domain);
        // The shape Gather, the 128 × 128 position table and the 2-row type table are below the threshold.
        Assert.Equal(3, quantized.Graph.Nodes.Count(n => n.OpType == "Gather"));
        Assert.Null(quantized.Graph.Initializer("word_embeddings_weight_0"));

        double cosine = WorstCosine(model, quantized);
        output.WriteLine($"encoder dynamic: {quantized.SerializedBytes()} of {model.SerializedBytes()} bytes ({ratio:0.000}×), worst cosine {cosine:0.00000}");
        Assert.True(cosine >= 0.99, $"worst pooled-embedding cosine {cosine:0.0000}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void WeightOnlyEncoderQuantizesTheTableInItsBits(int bits)
    {
        var model = Encoder.Value;
        var dynamic = DynamicQuantizer.Quantize(model, new DynamicOptions()).Model;
        var result = WeightOnlyQuantizer.Quantize(model, new WeightOnlyOptions { Bits = bits });
        var quantized = Q.SavedAndLoaded(result.Model);

        var gbq = Assert.Single(quantized.Graph.Nodes, n => n.OpType == "GatherBlockQuantized");
        Assert.Equal(bits, gbq.Attribute.Single(a => a.Name == "bits").I);
        if (bits == 4) Assert.True(quantized.SerializedBytes() < dynamic.SerializedBytes(), $"{quantized.SerializedBytes()} vs dynamic {dynamic.SerializedBytes()}");
        double cosine = WorstCosine(model, quantized);
        output.WriteLine($"encoder weight-only {bits}-bit: {quantized.SerializedBytes()} of {model.SerializedBytes()} bytes ({(double)quantized.SerializedBytes() / model.SerializedBytes():0.000}×), worst cosine {cosine:0.00000}");
        Assert.True(cosine >= (bits == 8 ? 0.99 : 0.95), $"{bits}-bit: worst pooled-embedding cosine {cosine:0.0000}");
    }

    [Theory]
    [InlineData(2, WeightOnlyFormat.MatMulNBits)]
    [InlineData(3, WeightOnlyFormat.MatMulNBits)]
    [InlineData(3, WeightOnlyFormat.Qdq)]
    public void Tables_of_2_and_3_bit_models_are_stored_in_4_bits(int bits, WeightOnlyFormat format)
    {
        // GatherBlockQuantized reads 4- or 8-bit tables; the layers keep their bits.
        var model = TiedDecoderModel.Build(TiedHead.Gemm, 4096, 64);
        var quantized = Q.SavedAndLoaded(WeightOnlyQuantizer.Quantize(model, new WeightOnlyOptions { Bits = bits, Format = format }).Model);
        if (format == WeightOnlyFormat.MatMulNBits)
            Assert.Equal(4, Assert.Single(quantized.Graph.Nodes, n => n.OpType == "GatherBlockQuantized").Attribute.Single(a => a.Name == "bits").I);
        var ids = TiedDecoderModel.Ids(2, 24, 4096, seed: 3);
        using var a = new EncoderRunner(model);
        using var b = new EncoderRunner(quantized);
        double cosine = EncoderRunner.WorstRowCosine(a.Run("logits", 2, 24, ("input_ids", ids)), b.Run("logits", 2, 24, ("input_ids", ids)), 4096);
        output.WriteLine($"{bits}-bit {format}: worst logits cosine {cosine:0.0000}");
        Assert.True(cosine >= 0.9, $"worst logits cosine {cosine:0.0000}");
    }

    [Theory]
    [InlineData(TiedHead.Transpose, "dynamic")]
    [InlineData(TiedHead.Gemm, "dynamic")]
    [InlineData(TiedHead.StoredCopy, "dynamic")]
    [InlineData(TiedHead.Transpose, "weight-only")]
    [InlineData(TiedHead.Gemm, "weight-only")]
    public void TiedTableIsStoredOnceAndReadByBothConsumers(TiedHead head, string mode)
    {
        const int vocab = 4096, width = 64;
        var model = TiedDecoderModel.Build(head, vocab, width);
        var result = mode == "dynamic"
            ? DynamicQuantizer.Quantize(model, new DynamicOptions())
            : WeightOnlyQuantizer.Quantize(model, new WeightOnlyOptions { Bits = 4 });
        var quantized = Q.SavedAndLoaded(result.Model);
        int bits = mode == "dynamic" ? 8 : 4;

        // One tensor of the table's size (at its bits), none in float, and both readers on it.
        var large = quantized.Graph.Initializers.Where(t => Tensors.ByteSize(t) >= vocab * width * bits / 8 / 2).ToList();
        var table = Assert.Single(large);
        Assert.Equal(DataTypes.UInt8, table.DataType);
        Assert.Equal(vocab * width * bits / 8, Tensors.ByteSize(table));
        var gbq = Assert.Single(quantized.Graph.Nodes, n => n.OpType == "GatherBlockQuantized");
        var nbits = Assert.Single(quantized.Graph.Nodes, n => n.OpType == "MatMulNBits" && n.Output[0] == "logits");
        Assert.Equal(table.Name, gbq.Input[0]);
        Assert.Equal(table.Name, quantized.Graph.Producer(nbits.Input[1])!.Input[0]);
        Assert.Equal(gbq.Input[2], nbits.Input[2]);

        var ids = TiedDecoderModel.Ids(2, 24, vocab, seed: 5);
        using var a = new EncoderRunner(model);
        using var b = new EncoderRunner(quantized);
        var expected = a.Run("logits", 2, 24, ("input_ids", ids));
        var actual = b.Run("logits", 2, 24, ("input_ids", ids));
        double cosine = EncoderRunner.WorstRowCosine(expected, actual, vocab);
        output.WriteLine($"tied decoder {head}, {mode}: {quantized.SerializedBytes()} of {model.SerializedBytes()} bytes, worst logits cosine {cosine:0.00000}");
        Assert.True(cosine >= (bits == 8 ? 0.99 : 0.95), $"{head}, {mode}: worst logits cosine {cosine:0.0000}");
    }

    [Theory]
    [InlineData(TiedHead.Transpose)]
    [InlineData(TiedHead.Gemm)]
    public void QdqFormatWritesOneStandardDequantizeLinearForTheTable(TiedHead head)
    {
        const int vocab = 4096, width = 64;
        var model = TiedDecoderModel.Build(head, vocab, width);
        var result = WeightOnlyQuantizer.Quantize(model, new WeightOnlyOptions { Bits = 4, Format = WeightOnlyFormat.Qdq });
        var quantized = Q.SavedAndLoaded(result.Model);

        Assert.DoesNotContain(quantized.Graph.Nodes, n => n.Domain == "com.microsoft");
        var table = Assert.Single(quantized.Graph.Initializers, t => Tensors.ElementCount(t) == vocab * width);
        Assert.Equal(DataTypes.UInt4, table.DataType);
        var dq = Assert.Single(quantized.Graph.Nodes, n => n.OpType == "DequantizeLinear" && n.Input[0] == table.Name);
        Assert.Contains(quantized.Graph.Nodes, n => n.OpType == "Gather" && n.Input[0] == dq.Output[0]);

        var ids = TiedDecoderModel.Ids(2, 24, vocab, seed: 5);
        using var a = new EncoderRunner(model);
        using var b = new EncoderRunner(quantized);
        double cosine = EncoderRunner.WorstRowCosine(a.Run("logits", 2, 24, ("input_ids", ids)), b.Run("logits", 2, 24, ("input_ids", ids)), vocab);
        output.WriteLine($"tied decoder {head}, weight-only qdq 4-bit: {quantized.SerializedBytes()} of {model.SerializedBytes()} bytes, worst logits cosine {cosine:0.00000}");
        Assert.True(cosine >= 0.95, $"{head}: worst logits cosine {cosine:0.0000}");
    }

    [Fact]
    public void GatherCanBeLeftOutWithOpTypes()
    {
        var result = DynamicQuantizer.Quantize(Encoder.Value, new DynamicOptions { OpTypes = ["MatMul", "Gemm"] });
        Assert.DoesNotContain(result.Model.Graph.Nodes, n => n.OpType == "GatherBlockQuantized");
        Assert.Equal(0, result.ConvertedByOpType.GetValueOrDefault("Gather"));
    }
}
