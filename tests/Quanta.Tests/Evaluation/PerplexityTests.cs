using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Tests.Cli;
using Quanta.Tests.Data;

namespace Quanta.Tests.Evaluation;

/// <summary>Perplexity of a bigram "language model" (logits = a table row per token) against values computed by hand.</summary>
public class PerplexityTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-ppl-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>
    /// input_ids int64 [batch, seq] → Gather(table) → logits [batch, seq, 256]. Row 'a' puts logit
    /// ln 765 on 'b' and row 'b' on 'a', zero elsewhere: p(next) = 765 / (765 + 255) = 3/4.
    /// </summary>
    static Model Bigram()
    {
        var table = new float[256 * 256];
        table['a' * 256 + 'b'] = MathF.Log(765);
        table['b' * 256 + 'a'] = MathF.Log(765);
        var g = new GraphProto { Name = "bigram" };
        g.Initializer.Add(Tensors.FromFloats("table", [256, 256], table));
        var gather = new NodeProto { OpType = "Gather", Name = "lookup" };
        gather.Input.AddRange(["table", "input_ids"]);
        gather.Output.Add("logits");
        g.Node.Add(gather);
        g.Input.Add(Value("input_ids", DataTypes.Int64, "batch", "seq"));
        g.Output.Add(Value("logits", DataTypes.Float, "batch", "seq", "256"));
        var proto = new ModelProto { IrVersion = 8, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, "bigram");
    }

    static ValueInfoProto Value(string name, int type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(long.TryParse(d, out long v) ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }

    string Text(string content)
    {
        string path = Path.Combine(_dir, "text.txt");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void AlternatingTextHasPerplexityFourThirds()
    {
        // Two windows of 8, 7 predictions each, every one with p = 3/4: perplexity = 4/3 exactly.
        var r = Perplexity.Evaluate(Bigram(), new ByteTextDataset(Text("abababababababab"), seq: 8), batchSize: 1);
        Assert.Equal(2, r.Windows);
        Assert.Equal(14, r.Tokens);
        Assert.Equal(4.0 / 3, r.Value, 5);
    }

    [Fact]
    public void MixedTextMatchesTheHandComputedMean()
    {
        // "abca": a→b p = 3/4; b→c p = 1/1020 (c's logit 0 against 765 + 255); c→a: c's row is all zero, p = 1/256.
        // The trailing "x" is shorter than a window and not read.
        var r = Perplexity.Evaluate(Bigram(), new ByteTextDataset(Text("abcax"), seq: 4));
        double expected = Math.Exp(-(Math.Log(0.75) + Math.Log(1.0 / 1020) + Math.Log(1.0 / 256)) / 3);
        Assert.Equal(3, r.Tokens);
        Assert.Equal(expected, r.Value, 3);
    }

    [Theory]
    [InlineData("<i8", "input_ids")]
    [InlineData("<i4", "tokens")]
    public void Token_ids_from_the_models_own_tokenizer_give_the_same_perplexity(string dtype, string key)
    {
        // "abababababababab" as ids [2, 8] (int64 or int32, in an .npz under input_ids or any single name): 4/3 as from the text.
        var ids = "abababababababab".Select(c => (long)c).ToArray();
        byte[] data = dtype == "<i8"
            ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids.AsSpan()).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.AsBytes(Array.ConvertAll(ids, v => (int)v).AsSpan()).ToArray();
        string path = Path.Combine(_dir, "ids.npz");
        Writers.Npz(path, System.IO.Compression.CompressionLevel.Fastest, (key, Writers.Npy(dtype, [2, 8], data)));
        string model = Path.Combine(_dir, "bigram.onnx");
        Bigram().Save(model);
        var r = CliRunner.Run("eval", model, "--metric", "perplexity", "--text", path, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(r.Stdout);
        Assert.Equal(4.0 / 3, json.RootElement.GetProperty("perplexity").GetDouble(), 5);
        Assert.Equal(14, json.RootElement.GetProperty("tokens").GetInt64());
    }

    [Fact]
    public void CliReportsPerplexityAndRejectsAMissingText()
    {
        string model = Path.Combine(_dir, "bigram.onnx");
        Bigram().Save(model);
        var r = CliRunner.Run("eval", model, "--metric", "perplexity", "--text", Text("abababababababab"), "--seq", "8", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(r.Stdout);
        Assert.Equal(4.0 / 3, json.RootElement.GetProperty("perplexity").GetDouble(), 5);
        r = CliRunner.Run("eval", model, "--metric", "perplexity");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--text", CliRunner.SingleErrorLine(r));
    }
}
