using Microsoft.ML.OnnxRuntime;
using Quanta.Bench;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Quantization.Dynamic;
using Quanta.Quantization.WeightOnly;

namespace Quanta.Tests.Modes;

/// <summary>
/// Models with external data are quantized tensor by tensor from disk (weights stay on disk
/// until their layer is reached; new tensors go to a spill file), and give the same bytes as
/// the same model held in memory. Decoders come from bench/'s generator, run in ONNX Runtime.
/// </summary>
public class StreamingTests
{
    static readonly DecoderShape Small = new(Blocks: 2, Hidden: 256, Intermediate: 512, Vocab: 512);

    [Theory]
    [InlineData(WeightOnlyAlgorithm.Rtn, WeightOnlyFormat.MatMulNBits)]
    [InlineData(WeightOnlyAlgorithm.Hqq, WeightOnlyFormat.MatMulNBits)]
    [InlineData(WeightOnlyAlgorithm.Rtn, WeightOnlyFormat.Qdq)]
    [InlineData(WeightOnlyAlgorithm.Rtn, WeightOnlyFormat.MatMulNBits, DataTypes.Float16)]  // 16-bit weights widened from disk a slice at a time
    [InlineData(WeightOnlyAlgorithm.Rtn, WeightOnlyFormat.MatMulNBits, DataTypes.BFloat16)]
    public void StreamedFromDiskGivesTheBytesOfTheInMemoryPath(WeightOnlyAlgorithm algorithm, WeightOnlyFormat format, int dataType = DataTypes.Float)
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx");
        DecoderModel.Write(input, Small, dataType);

        var streamed = Model.Load(input);
        Assert.Contains(streamed.Graph.Initializers, ExternalData.IsOnDisk); // the weights were not read at load
        var inMemory = Model.Load(input);
        ExternalData.Inline(inMemory.Proto);
        Assert.DoesNotContain(inMemory.Graph.Initializers, ExternalData.IsOnDisk);

        var options = new WeightOnlyOptions { Algorithm = algorithm, Format = format };
        var a = WeightOnlyQuantizer.Quantize(streamed, options).Model;
        var b = WeightOnlyQuantizer.Quantize(inMemory, options).Model;
        Assert.Contains(a.Graph.Initializers, ExternalData.IsOnDisk); // quantized tensors went to the spill file
        // Same file name in two folders: the side file's name is part of the protobuf.
        string streamedPath = folder.File("streamed/out.onnx"), inMemoryPath = folder.File("in-memory/out.onnx");
        bool inPlace = ModelIO.Save(a, streamedPath);
        b.Save(inMemoryPath, new SaveOptions(ExternalData: true));

        // The spill was laid out as the side file and became it, uncopied (a bfloat16 model's kept tensors are widened after the spill took them, so it is copied).
        Assert.Equal(dataType != DataTypes.BFloat16, inPlace);
        // Saved again, the tensors are copied out of the adopted file, which no save writes twice.
        string again = folder.File("again/out.onnx");
        Assert.False(ModelIO.Save(a, again));
        foreach (var path in new[] { streamedPath, again })
        {
            Assert.Equal(File.ReadAllBytes(inMemoryPath), File.ReadAllBytes(path));
            Assert.Equal(File.ReadAllBytes(inMemoryPath + ".data"), File.ReadAllBytes(path + ".data"));
        }
    }

    [Fact]
    public void AnAdoptedSpillStaysReadableAndAFailedSaveLeavesNoOutput()
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx");
        DecoderModel.Write(input, Small, DataTypes.Float16);
        var model = WeightOnlyQuantizer.Quantize(Model.Load(input), new WeightOnlyOptions()).Model;

        // A save that fails after the spill was linked as its side file (here the model's own temporary
        // file cannot be created) leaves neither output file nor temporary side file behind.
        string failed = folder.File("failed/out.onnx");
        Directory.CreateDirectory($"{failed}.tmp-{Environment.ProcessId}");
        var error = Record.Exception(() => model.Save(failed));
        Assert.True(error is IOException or UnauthorizedAccessException, $"{error}");
        Assert.Equal([$"{failed}.tmp-{Environment.ProcessId}"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(failed)!));

        // The spill file the model points into is intact: the next save copies it (an adopted file is never
        // written again) and gives the bytes of the in-memory path, which ONNX Runtime runs.
        string saved = folder.File("saved/out.onnx"), reference = folder.File("reference/out.onnx");
        Assert.False(ModelIO.Save(model, saved));
        var inMemory = Model.Load(input);
        ExternalData.Inline(inMemory.Proto);
        WeightOnlyQuantizer.Quantize(inMemory, new WeightOnlyOptions()).Model.Save(reference, new SaveOptions(ExternalData: true));
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(saved));
        Assert.Equal(File.ReadAllBytes(reference + ".data"), File.ReadAllBytes(saved + ".data"));
        Assert.Equal(Logits(reference), Logits(saved));
    }

    [Fact]
    public void AStreamedRunRefusedAtSaveExitsTwoWithOneLineAndWritesNothing()
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx");
        DecoderModel.Write(input, Small, DataTypes.Float16);
        string output = Path.Combine(Path.GetDirectoryName(input)!, "missing", "out.onnx");
        var r = Quanta.Tests.Cli.CliRunner.Run("quantize", input, "-o", output, "--mode", "weight-only");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("output folder does not exist", Quanta.Tests.Cli.CliRunner.SingleErrorLine(r));
        Assert.Equal([input, input + ".data"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(input)!).Order());
    }

    [Theory]
    [InlineData(DataTypes.Float)]
    [InlineData(DataTypes.Float16)]
    [InlineData(DataTypes.BFloat16)]
    public void QuantizedDecoderRunsInOrtCloseToTheFloatModel(int dataType)
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx"), output = folder.File("decoder-int4.onnx");
        DecoderModel.Write(input, Small, dataType);
        var result = WeightOnlyQuantizer.Quantize(Model.Load(input), new WeightOnlyOptions { Bits = 4, BlockSize = 32 });
        Assert.Equal(2 * 7 + 1, result.ConvertedByOpType["MatMul"]); // q, k, v, o, gate, up, down per block and lm_head
        result.Model.Save(output);

        // Every location in the output is relative, beside it: no path from this machine leaks out.
        var written = Model.Load(output);
        Assert.All(ExternalData.AllTensors(ModelProtoOf(output).Graph).Where(t => t.ExternalData.Count > 0),
            t => Assert.Equal("decoder-int4.onnx.data", t.ExternalData.First(e => e.Key == "location").Value));
        // Scales in the model's float type; a bfloat16 model's in float (no bfloat16 kernels on CPU), its interface still bfloat16.
        int scales = dataType == DataTypes.BFloat16 ? DataTypes.Float : dataType;
        Assert.All(written.Graph.Initializers.Where(t => t.Name.EndsWith("_B_scales")), t => Assert.Equal(scales, t.DataType));
        Assert.Equal(dataType, written.Graph.Outputs[0].Type.TensorType.ElemType);
        Assert.DoesNotContain(written.Graph.Initializers, t => t.DataType == DataTypes.BFloat16);

        // ONNX Runtime's CPU kernels take no bfloat16: the float32 model of the same seed (the values bfloat16 rounded) is the reference.
        if (dataType == DataTypes.BFloat16) DecoderModel.Write(input, Small, DataTypes.Float);
        var reference = Logits(input);
        var quantized = Logits(output);
        Assert.Equal(reference.Length, quantized.Length);
        double cosine = Cosine(reference, quantized);
        Assert.True(cosine > 0.98, $"cosine of int4 logits to float: {cosine:F4}");
    }

    [Fact]
    public void DynamicModeStreamsToo()
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx"), output = folder.File("decoder-dynamic.onnx");
        DecoderModel.Write(input, Small, DataTypes.Float);
        var result = DynamicQuantizer.Quantize(Model.Load(input), new DynamicOptions { OpTypes = ["MatMul"] });
        Assert.Contains(result.Model.Graph.Initializers, ExternalData.IsOnDisk);
        result.Model.Save(output);
        Assert.True(File.Exists(output + ".data"));
        double cosine = Cosine(Logits(input), Logits(output));
        Assert.True(cosine > 0.98, $"cosine of dynamic int8 logits to float: {cosine:F4}");
    }

    [Fact]
    public void ATensorAPassRewritesInMemoryLeavesTheDiskBehind()
    {
        using var folder = new TempFolder();
        string input = folder.File("decoder.onnx");
        DecoderModel.Write(input, Small, DataTypes.Float);
        var model = Model.Load(input);
        var w = model.Graph.Initializer("layers.0.q_proj")!;
        Assert.True(ExternalData.IsOnDisk(w));
        var values = Tensors.ToFloats(w);
        values[0] = 1234.5f;
        w.RawData = Tensors.FromFloats("", [values.Length], values).RawData; // as fp16 conversion or QAT write-back do
        Assert.False(ExternalData.IsOnDisk(w));
        Assert.Equal(1234.5f, Tensors.ToFloats(w)[0]);

        string output = folder.File("inline/decoder.onnx");
        ExternalData.Inline(model.Proto);
        model.Save(output); // in one protobuf: no stale external entry may survive
        Assert.False(File.Exists(output + ".data"));
        var back = Model.Load(output).Graph.Initializer("layers.0.q_proj")!;
        Assert.Empty(back.ExternalData);
        Assert.Equal(1234.5f, Tensors.ToFloats(back)[0]);
    }

    static Onnx.Proto.ModelProto ModelProtoOf(string path) => Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>The model's logits for a fixed token sequence, run from the file (external data and all) in ONNX Runtime.</summary>
    internal static float[] Logits(string path)
    {
        using var session = new InferenceSession(path);
        long[] ids = [1, 17, 42, 99, 3, 250, 7, 511];
        using var tensor = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["input_ids"], [tensor], ["logits"]);
        var value = outputs[0];
        return value.GetTensorTypeAndShape().ElementDataType switch
        {
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16 => value.GetTensorDataAsSpan<Float16>().ToArray().Select(h => h.ToFloat()).ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.BFloat16 => value.GetTensorDataAsSpan<BFloat16>().ToArray().Select(h => h.ToFloat()).ToArray(),
            _ => value.GetTensorDataAsSpan<float>().ToArray(),
        };
    }

    internal static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    sealed class TempFolder : IDisposable
    {
        readonly string _path = Directory.CreateTempSubdirectory("quanta-stream-").FullName;
        public string File(string name)
        {
            string path = Path.Combine(_path, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return path;
        }
        public void Dispose() => Directory.Delete(_path, true);
    }
}
