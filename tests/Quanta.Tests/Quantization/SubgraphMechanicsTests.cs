using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Quantization.WeightOnly;
using Quanta.Runtime;
using Quanta.Tests.Data;
using Q = Quanta.Tests.Quantization.Quantize;

namespace Quanta.Tests.Quantization;

/// <summary>The pieces under control-flow quantization: scopes, body taps, empty observations, untaken branches.</summary>
public class SubgraphMechanicsTests
{
    [Fact]
    public void BodiesAreScopesThatSeeOuterTypesAndAvoidOuterNames()
    {
        var model = ControlFlowModels.ConvInIf();
        var scopes = model.Graph.Scopes().ToList();
        Assert.Equal(3, scopes.Count);
        var then = scopes[1];
        Assert.Same(model.Graph, then.Parent);
        Assert.Equal(DataTypes.Float, then.ValueInfo("x")!.Type.TensorType.ElemType); // an outer input, seen from the branch
        Assert.Same(scopes[2], model.Graph.DefiningScope("else_c1"));
        Assert.NotEqual("else_c1", then.UniqueName("else_c1")); // names are unique across scopes
        Assert.Empty(model.Graph.Validate());
    }

    [Fact]
    public void ResolvingCopiesOuterWeightsIntoTheBodyAndInfersBodyTypes()
    {
        var prepared = PassPipeline.Run(ControlFlowModels.ConvInIf(), PassPipeline.Normalize, out _);
        var then = prepared.Graph.Scopes().ElementAt(1);
        var conv = then.Nodes.First(n => n.OpType == "Conv");
        Assert.NotNull(then.Initializer(conv.Input[1]));
        Assert.Null(prepared.Graph.Initializer("then_w1")); // nothing else read it
        Assert.Equal(DataTypes.Float, then.ValueInfo("then_c1")!.Type.TensorType.ElemType);
        Assert.Equal(4, then.ValueInfo("then_c1")!.Type.TensorType.Shape.Dim.Count);
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax)]
    [InlineData(CalibrationMethod.MovingAverage)]
    [InlineData(CalibrationMethod.MeanStd)]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Entropy)]
    [InlineData(CalibrationMethod.Mse)]
    public void ObserversSkipEmptyTensors(CalibrationMethod method)
    {
        // The If branch not taken hands calibration an empty tensor for each of its tapped outputs.
        var x = Numerics.Synthetic.Gaussian(4096, 3, 0f, 1f);
        var plain = ObserverFactory.Create(method);
        var withEmpty = ObserverFactory.Create(method);
        plain.Observe(x);
        withEmpty.Observe(ReadOnlySpan<float>.Empty);
        withEmpty.Observe(x);
        withEmpty.Observe(ReadOnlySpan<float>.Empty);
        var spec = new QuantSpec(QuantType.UInt8);
        Assert.Equal(plain.Count, withEmpty.Count);
        Assert.Equal(plain.Range(spec), withEmpty.Range(spec));
    }

    [Fact]
    public void LoopBodyTensorComesOutAsEveryIterationsValues()
    {
        var model = CountingLoop(trips: 3);
        var tapped = BodyTaps.Expose(model, ["doubled"]);
        string output = Assert.Single(tapped.TensorOf, kv => kv.Value == "doubled").Key;
        using var runner = new ModelRunner(tapped.Model, null, [output]);
        float[] x = [1, -2, 0.5f, 4];
        var values = runner.Run(x, [4]).First(o => o.Name == output);
        Assert.Equal([3, 4], values.Shape);
        for (int it = 0; it < 3; it++)
            for (int i = 0; i < 4; i++)
                Assert.Equal(2 * (it + 1) * x[i], values.Values[it * 4 + i], 5);
    }

    [Fact]
    public void IfBranchNotTakenGivesAnEmptyTensorAndTheOtherItsValues()
    {
        var model = ControlFlowModels.ConvInIf();
        var tapped = BodyTaps.Expose(model, ["then_c1", "else_c1", "mean_x"]);
        Assert.Equal("mean_x", tapped.TensorOf["mean_x"]);
        using var runner = new ModelRunner(tapped.Model, null, tapped.TensorOf.Keys.ToList());
        var sample = ControlFlowModels.Sample(0, 3 * 16 * 16, 16); // positive offset: the then branch
        var outputs = runner.Run(sample, [1, 3, 16, 16]).ToDictionary(o => tapped.TensorOf.GetValueOrDefault(o.Name, o.Name));
        Assert.Equal(8 * 16 * 16, outputs["then_c1"].Values.Length);
        Assert.Empty(outputs["else_c1"].Values);
    }

    [Fact]
    public void BranchTheCalibrationDataNeverTookStaysFloat()
    {
        var c = ControlFlowTests.Vad;
        var model = c.Build();
        string path = Path.Combine(Path.GetTempPath(), $"quanta-cf-{Guid.NewGuid():N}.npy");
        try
        {
            // Even samples only: every one takes the then branch ("a_…").
            var data = Enumerable.Range(0, 16).SelectMany(i => ControlFlowModels.Sample(2 * i, c.SampleSize, c.RowLength)).ToArray();
            File.WriteAllBytes(path, Writers.Npy(data, [16, .. c.SampleShape]));
            var recipe = new QuantRecipe { CalibBatch = 1 }.Resolve(Hardware.Detect());
            var result = StaticQuantizer.Quantize(model, DataSource.Open(path, new DataOptions(Preprocessing.Identity)), recipe);
            Assert.Contains(result.Plan.KeptFloat, k => k.Node == "b_conv" && k.Reason.Contains("did not run during calibration"));
            var scopes = result.Model.Graph.Scopes().ToList();
            Assert.Contains(scopes[1].Nodes, n => n.OpType == "QuantizeLinear");
            Assert.DoesNotContain(scopes[2].Nodes, n => n.OpType == "QuantizeLinear");
            Assert.True(ControlFlowTests.HeldOutCosine(c, model, Q.SavedAndLoaded(result.Model)) >= 0.99);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void WeightOnlyQuantizesMatMulsInsideAScanBody()
    {
        var c = ControlFlowTests.Scan;
        var model = c.Build();
        var result = WeightOnlyQuantizer.Quantize(model, new WeightOnlyOptions { Bits = 8 });
        var quantized = Q.SavedAndLoaded(result.Model);
        Assert.Contains(quantized.Graph.Scopes().Skip(1).SelectMany(g => g.Nodes), n => n.OpType == "MatMulNBits");
        Assert.Equal(3, result.ConvertedByOpType["MatMul"]);
        Assert.True(ControlFlowTests.HeldOutCosine(c, model, quantized) >= 0.99);
    }

    [Fact]
    public void WeightOnlyKeepsLstmFloatAndSaysWhy()
    {
        var result = WeightOnlyQuantizer.Quantize(ControlFlowModels.VadWithLstmInIf(), new WeightOnlyOptions());
        Assert.Equal(2, result.KeptFloat.Count(k => k.OpType == "LSTM" && k.Reason.Contains("dynamic quantization")));
    }

    /// <summary>x [4] → Loop(trips): acc += x; doubled = 2·acc (a body tensor that is no loop output).</summary>
    static Model CountingLoop(int trips)
    {
        var g = new GraphProto { Name = "loop" };
        g.Input.Add(Float("x", 4));
        g.Initializer.Add(Tensors.FromInt64s("trips", [], [trips]));
        g.Initializer.Add(new TensorProto { Name = "go", DataType = DataTypes.Bool, Int32Data = { 1 } });
        g.Initializer.Add(Tensors.FromFloats("acc0", [4], new float[4]));
        g.Initializer.Add(Tensors.Scalar("two", 2f));
        var body = new GraphProto { Name = "body" };
        body.Input.Add(new ValueInfoProto { Name = "i", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Int64, Shape = new TensorShapeProto() } } });
        body.Input.Add(new ValueInfoProto { Name = "c_in", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Bool, Shape = new TensorShapeProto() } } });
        body.Input.Add(Float("acc_in", 4));
        body.Node.Add(Node("Identity", ["c_in"], ["c_out"]));
        body.Node.Add(Node("Add", ["acc_in", "x"], ["acc_out"]));
        body.Node.Add(Node("Mul", ["acc_out", "two"], ["doubled"]));
        body.Output.Add(new ValueInfoProto { Name = "c_out", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Bool, Shape = new TensorShapeProto() } } });
        body.Output.Add(Float("acc_out", 4));
        var loop = Node("Loop", ["trips", "go", "acc0"], ["acc_final"]);
        loop.Attribute.Add(new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body });
        g.Node.Add(loop);
        g.Output.Add(Float("acc_final", 4));
        var proto = new ModelProto { IrVersion = 8, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, "counting-loop");
    }

    static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    static ValueInfoProto Float(string name, long n)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = n });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Float, Shape = shape } } };
    }
}
