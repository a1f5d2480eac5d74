using Quanta.Data;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Quantization.Dynamic;
using Quanta.Runtime;
using Quanta.Tests.Data;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Quantization;

/// <summary>
/// Layers inside If and Scan bodies quantized in static and dynamic mode: the bodies really hold
/// Q/DQ or integer nodes afterwards, the file shrinks, ONNX Runtime runs it, and its output stays
/// close to the float model's on held-out samples (one sample per run, so both If branches run).
/// </summary>
public class ControlFlowTests
{
    public sealed record Case(string Name, Func<Model> Build, long[] SampleShape)
    {
        public int SampleSize => (int)SampleShape.Aggregate(1L, (a, b) => a * b);
        public int RowLength => (int)SampleShape[^1];
        public override string ToString() => Name;
    }

    public static readonly Case ConvIf = new("conv-in-if", ControlFlowModels.ConvInIf, [3, 16, 16]);
    public static readonly Case Vad = new("vad-lstm-in-if", ControlFlowModels.VadWithLstmInIf, [ControlFlowModels.VadFrames, ControlFlowModels.VadFeatures]);
    public static readonly Case Scan = new("rnn-scan", ControlFlowModels.RecurrentScan, [ControlFlowModels.ScanSteps, ControlFlowModels.ScanFeatures]);

    public static TheoryData<string> Cases => new() { ConvIf.Name, Vad.Name, Scan.Name };
    static Case ByName(string name) => new[] { ConvIf, Vad, Scan }.First(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void StaticQuantizesInsideBodies(string name)
    {
        var c = ByName(name);
        var model = c.Build();
        var (quantized, cosine) = StaticRun(c, model);
        Assert.True(BodyOps(quantized).Contains("QuantizeLinear") && BodyOps(quantized).Contains("DequantizeLinear"),
            $"{name}: body ops {string.Join(",", BodyOps(quantized))}");
        // The graph's bytes: the metadata Quanta stamps (recipe, auto's score table) weighs on a model this small.
        Assert.True(quantized.Proto.Graph.CalculateSize() < model.Proto.Graph.CalculateSize(), $"{name}: graph {quantized.Proto.Graph.CalculateSize()} vs {model.Proto.Graph.CalculateSize()} bytes");
        Assert.True(cosine >= 0.99, $"{name}: static output cosine {cosine:0.0000}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DynamicQuantizesInsideBodies(string name)
    {
        var c = ByName(name);
        var model = c.Build();
        var (quantized, cosine) = DynamicRun(c, model);
        var ops = BodyOps(quantized);
        Assert.True(ops.Overlaps(["DynamicQuantizeMatMul", "ConvInteger", "DynamicQuantizeLSTM"]), $"{name}: body ops {string.Join(",", ops)}");
        if (c == Vad) Assert.Contains("DynamicQuantizeLSTM", ops);
        Assert.DoesNotContain("LSTM", ops);
        Assert.True(quantized.SerializedBytes() < model.SerializedBytes(), $"{name}: {quantized.SerializedBytes()} vs {model.SerializedBytes()} bytes");
        Assert.True(cosine >= 0.98, $"{name}: dynamic output cosine {cosine:0.0000}");
    }

    [Fact]
    public void GruStaysFloatWithAReason()
    {
        var model = ControlFlowModels.VadWithLstmInIf();
        foreach (var body in model.Graph.Scopes().Skip(1))
            foreach (var n in body.Nodes.Where(n => n.OpType == "LSTM"))
            {
                n.OpType = "GRU";
                long hidden = n.Attribute.First(a => a.Name == "hidden_size").I;
                foreach (int input in new[] { 1, 2 })
                {
                    var w = body.Initializer(n.Input[input])!;
                    long cols = w.Dims[2];
                    var fresh = Onnx.Tensors.FromFloats(w.Name, [1, 3 * hidden, cols], Onnx.Tensors.ToFloats(w).AsSpan(0, (int)(3 * hidden * cols)));
                    body.Proto.Initializer.Remove(w);
                    body.Proto.Initializer.Add(fresh);
                }
                var b = body.Initializer(n.Input[3])!;
                var freshB = Onnx.Tensors.FromFloats(b.Name, [1, 6 * hidden], Onnx.Tensors.ToFloats(b).AsSpan(0, (int)(6 * hidden)));
                body.Proto.Initializer.Remove(b);
                body.Proto.Initializer.Add(freshB);
                body.Changed();
            }
        var result = DynamicQuantizer.Quantize(model, new DynamicOptions());
        Assert.Equal(2, result.KeptFloat.Count(k => k.OpType == "GRU" && k.Reason.Contains("no integer GRU kernel")));
        using var runner = new ModelRunner(Q.SavedAndLoaded(result.Model));
        Assert.Equal(ControlFlowModels.VadFrames, runner.Run(Sample(Vad, 0), [1, .. Vad.SampleShape])[0].Values.Length);
    }

    // ---- shared by the tests and the benchmark rows ------------------------------------------------

    internal static (Model Quantized, double Cosine) StaticRun(Case c, Model model)
    {
        using var calibration = new NpyFile(c, count: 64);
        var recipe = new QuantRecipe { CalibBatch = 1 }.Resolve(Hardware.Detect());
        var result = StaticQuantizer.Quantize(model, calibration.Dataset, recipe);
        var quantized = Q.SavedAndLoaded(result.Model);
        return (quantized, HeldOutCosine(c, model, quantized));
    }

    internal static (Model Quantized, double Cosine) DynamicRun(Case c, Model model)
    {
        var quantized = Q.SavedAndLoaded(DynamicQuantizer.Quantize(model, new DynamicOptions()).Model);
        return (quantized, HeldOutCosine(c, model, quantized));
    }

    /// <summary>Cosine between the float and quantized outputs over 40 held-out samples, run one at a time.</summary>
    internal static double HeldOutCosine(Case c, Model reference, Model quantized, int count = 40)
    {
        using var a = new ModelRunner(reference);
        using var b = new ModelRunner(quantized);
        var expected = new List<float>();
        var actual = new List<float>();
        long[] shape = [1, .. c.SampleShape];
        for (int i = 0; i < count; i++)
        {
            var x = Sample(c, 1000 + i);
            expected.AddRange(a.Run(x, shape)[0].Values);
            actual.AddRange(b.Run(x, shape)[0].Values);
        }
        return QuantMath.Cosine(expected.ToArray(), actual.ToArray());
    }

    /// <summary>Calibration uses samples 0…63; held-out ones start at 1000.</summary>
    static float[] Sample(Case c, int index) => ControlFlowModels.Sample(index, c.SampleSize, c.RowLength);

    /// <summary>Op types of every node inside a control-flow body.</summary>
    static HashSet<string> BodyOps(Model m) => m.Graph.Scopes().Skip(1).SelectMany(g => g.Nodes).Select(n => n.OpType).ToHashSet();

    /// <summary>Calibration samples written as a .npy file and read back through the ordinary data path.</summary>
    sealed class NpyFile : IDisposable
    {
        readonly string _path = Path.Combine(Path.GetTempPath(), $"quanta-cf-{Guid.NewGuid():N}.npy");
        public IDataset Dataset { get; }

        public NpyFile(Case c, int count)
        {
            var data = new float[count * c.SampleSize];
            for (int i = 0; i < count; i++) Sample(c, i).CopyTo(data, i * c.SampleSize);
            File.WriteAllBytes(_path, Writers.Npy(data, [count, .. c.SampleShape]));
            Dataset = DataSource.Open(_path, new DataOptions(Preprocessing.Identity));
        }

        public void Dispose() => File.Delete(_path);
    }
}
