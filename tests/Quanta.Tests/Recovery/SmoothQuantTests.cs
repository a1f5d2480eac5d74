using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Recovery;
using Quanta.Runtime;
using Quanta.Tests.Cli;
using Quanta.Tests.IR;
using Quanta.Tests.Modes;

namespace Quanta.Tests.Recovery;

public class SmoothQuantTests
{
    static IDataset DemoCalibration(int count) =>
        DataSource.Open(Path.Combine(TestData.DemoDir, "fashion-mnist") + ":train", new DataOptions(TestData.FashionPreprocessing, count));

    [Fact]
    public void Vit_smoothed_on_real_data_keeps_its_float_outputs()
    {
        var prepared = PassPipeline.Run(IrFixtures.Load("fmnist_vit.onnx"), PassPipeline.Normalize, out _);
        var before = IrFixtures.Logits(prepared);
        var r = SmoothQuant.Run(prepared, DemoCalibration(64), 0.5, 32);

        // Each of the 4 pre-norm blocks: norm2 feeds the MLP MatMul alone, so it absorbs 1/s.
        Assert.True(r.Sites.Count(s => s.FoldedInto.Contains("LayerNormalization")) >= 4, string.Join("; ", r.Sites));
        Assert.Empty(r.Model.Graph.Validate());
        Assert.True(IrFixtures.RelativeError(before, IrFixtures.Logits(r.Model)) < 1e-5);
        Assert.Equal(before, IrFixtures.Logits(prepared)); // the input model is not modified
    }

    /// <summary>x → Gemm(W1, b1, transB) → y → MatMul(W2) → Relu → z → MatMul(W3): y folds into the Gemm, z needs a Mul.</summary>
    static Model Chain()
    {
        var g = new GraphProto { Name = "chain" };
        g.Initializer.Add(Tensors.FromFloats("W1", [16, 8], TinyModels.Random(128, 1)));
        g.Initializer.Add(Tensors.FromFloats("b1", [16], TinyModels.Random(16, 2)));
        g.Initializer.Add(Tensors.FromFloats("W2", [16, 6], TinyModels.Random(96, 3)));
        g.Initializer.Add(Tensors.FromFloats("W3", [6, 3], TinyModels.Random(18, 4)));
        NodeProto Node(string op, string name, string[] inputs, string output)
        {
            var n = new NodeProto { OpType = op, Name = name };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            g.Node.Add(n);
            return n;
        }
        Node("Gemm", "fc1", ["x", "W1", "b1"], "y").Attribute.Add(new AttributeProto { Name = "transB", I = 1, Type = AttributeProto.Types.AttributeType.Int });
        Node("MatMul", "fc2", ["y", "W2"], "u");
        Node("Relu", "act", ["u"], "z");
        Node("MatMul", "fc3", ["z", "W3"], "out");
        g.Input.Add(Value("x", 4, 8));
        g.Output.Add(Value("out", 4, 3));
        var proto = new ModelProto { IrVersion = 8, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, "chain");
    }

    static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Float, Shape = shape } } };
    }

    static float[] Run(Model m, float[] x)
    {
        using var runner = new ModelRunner(m, new RuntimeOptions(Threads: 1, Optimize: false));
        return runner.Run(x, [4, 8]).Single(o => o.Name == "out").Values;
    }

    [Fact]
    public void Folds_into_a_gemm_producer_and_falls_back_to_a_mul()
    {
        var model = Chain();
        var sites = SmoothQuant.Sites(model.Graph);
        Assert.Equal(["x", "y", "z"], sites.Select(s => s.Tensor).Order());
        // Channel maxima with one outlier channel each, as a calibration pass would report them.
        var maxima = sites.ToDictionary(s => s.Tensor, s => Enumerable.Range(0, s.Channels).Select(j => j == 1 ? 40f : 1f + j % 3).ToArray());
        var r = SmoothQuant.Apply(model, maxima, 0.8);

        Assert.Contains(r.Sites, s => s.Tensor == "y" && s.FoldedInto.Contains("output columns"));
        Assert.Contains(r.Sites, s => s.Tensor == "z" && s.FoldedInto.Contains("explicit Mul"));
        Assert.Contains(r.Sites, s => s.Tensor == "x" && s.FoldedInto.Contains("explicit Mul")); // a graph input has no producer
        Assert.All(r.Sites, s => Assert.True(s.MaxAfter < s.MaxBefore, $"{s.Tensor}: {s.MaxBefore} → {s.MaxAfter}"));
        var x = TinyModels.Random(32, 5, 2f);
        Assert.True(IrFixtures.RelativeError(Run(model, x), Run(r.Model, x)) < 1e-5);
    }

    /// <summary>Statistics of 512 Gaussian rows, channel j scaled by <paramref name="scale"/>(j), as a calibration pass gathers them.</summary>
    static SmoothQuant.ChannelStats Stats(int k, Func<int, float> scale)
    {
        var stats = new SmoothQuant.ChannelStats(k);
        var x = Quanta.Tests.Numerics.Synthetic.Gaussian(512 * k, 7);
        for (int i = 0; i < x.Length; i++) x[i] *= scale(i % k);
        for (int b = 0; b < 8; b++) stats.Observe(x.AsSpan(b * 64 * k, 64 * k));
        return stats;
    }

    /// <summary>
    /// Per site, the strength whose W8A8 outputs come closest to the float ones: x's channel 1 reaching ±40·σ
    /// wastes a per-tensor uint8 range on everyone else, so smoothing wins there; on the ViT with per-tensor
    /// weights every site still keeps its float outputs, smoothed or not, and reports the α it chose.
    /// </summary>
    [Fact]
    public void Each_site_keeps_the_strength_that_reconstructs_its_outputs_best()
    {
        var model = Chain();
        var x = SmoothQuant.Sites(model.Graph).Single(s => s.Tensor == "x");
        var rounding = new SmoothQuantAlpha.Rounding(new QuantSpec(QuantType.Int8, Symmetric: true), true, new QuantSpec(QuantType.UInt8));
        Assert.Contains(SmoothQuantAlpha.Choose(model.Graph, x, Stats(x.Channels, j => j == 1 ? 40f : 1f), 0.5, rounding), SmoothQuantAlpha.Candidates(0.5).Cast<double?>());

        var prepared = PassPipeline.Run(IrFixtures.Load("fmnist_vit.onnx"), PassPipeline.Normalize, out _);
        var perTensor = rounding with { PerChannel = false };
        var r = SmoothQuant.Run(prepared, DemoCalibration(64), 0.5, 32, rounding: perTensor);
        Assert.All(r.Sites, s => Assert.Contains(s.Alpha, SmoothQuantAlpha.Candidates(0.5)));
        Assert.True(IrFixtures.RelativeError(IrFixtures.Logits(prepared), IrFixtures.Logits(r.Model)) < 1e-5);
    }

    [Fact]
    public void Alpha_outside_zero_to_one_is_bad_input()
    {
        Assert.Contains(new QuantRecipe { SmoothQuant = 1.5 }.Validate(), p => p.StartsWith("SmoothQuant", StringComparison.Ordinal));
        var r = CliRunner.Run("quantize", TestData.Model("fmnist_vit.onnx"), "-o", Path.Combine(Path.GetTempPath(), "never.onnx"),
            "--calib", Path.Combine(TestData.DemoDir, "fashion-mnist") + ":train", "--smoothquant", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--smoothquant", CliRunner.SingleErrorLine(r));
    }

    [Fact]
    public void Help_lists_the_flag()
    {
        var r = CliRunner.Run("quantize", "--help");
        Assert.Contains("--smoothquant", r.Stdout);
        Assert.Contains("auto", r.Stdout);
    }
}
