using Microsoft.ML.OnnxRuntime;
using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Runtime;

namespace Quanta.Tests.IR;

public class ShapeInferenceTests
{
    /// <summary>Three images: a batch size that no static dim of these models shares.</summary>
    static readonly long[] Shape3 = [3, 1, 28, 28];

    [SharedModelsTheory]
    [InlineData("fmnist_cnn.onnx", true)]
    [InlineData("fmnist_resnet20.onnx", true)]
    [InlineData("fmnist_mobilenetv2.onnx", true)]
    [InlineData("fmnist_vit.onnx", false)]
    public void InferredShapesMatchWhatOnnxRuntimeComputes(string name, bool everyDimKnown)
    {
        var model = IrFixtures.Load(name);
        var batch = model.Graph.RealInputs.Single().Type.TensorType.Shape.Dim[0];
        Assert.True(batch.HasDimParam, "reference models have a symbolic batch");

        var inferred = model.Clone();
        var types = ShapeInference.Infer(inferred);
        var tensors = model.Graph.Nodes.SelectMany(n => n.Output).Where(o => o.Length > 0).ToList();
        var actual = RunWithAllOutputs(model, tensors);

        var constants = model.Graph.Nodes.Where(n => n.OpType == "Constant").SelectMany(n => n.Output).ToHashSet();
        var unknown = new List<string>();
        int symbolicBatch = 0, activations = 0, fullyKnown = 0;
        foreach (var t in tensors)
        {
            Assert.True(types.TryGetValue(t, out var info), $"{t}: not inferred");
            var (elemType, dims) = actual[t];
            Assert.True(info!.ElemType == elemType, $"{t}: type {info.ElemType}, ORT {elemType}");
            Assert.True(info.Shape is not null, $"{t}: rank unknown");
            Assert.True(info.Rank == dims.Length, $"{t}: rank {info.Rank}, ORT [{string.Join(",", dims)}]");
            for (int i = 0; i < dims.Length; i++)
            {
                var d = info.Shape![i];
                if (d.IsStatic) Assert.True(d.Value == dims[i], $"{t}: dim {i} inferred {d.Value}, ORT {dims[i]}");
                else if (everyDimKnown) Assert.True(d.Param == batch.DimParam && dims[i] == 3, $"{t}: dim {i} is {d}, ORT {dims[i]}");
            }
            // Symbolic dims were checked against the run above; count the tensors that carry the batch.
            if (elemType != Onnx.DataTypes.Float || constants.Contains(t)) continue;
            activations++;
            if (info.Shape!.Any(d => d.Param == batch.DimParam)) symbolicBatch++;
            if (info.Shape!.All(d => d.IsStatic || d.IsSymbolic)) fullyKnown++;
            else unknown.Add(t);
            // The only dims left unknown are products of the batch with a number (batch·heads,
            // batch·tokens), which a dim_param cannot express.
            for (int i = 0; i < dims.Length; i++)
                if (!info.Shape[i].IsStatic && !info.Shape[i].IsSymbolic)
                    Assert.True(dims[i] % 3 == 0 && dims[i] > 3, $"{t}: dim {i} unknown, ORT {dims[i]}");
        }
        Assert.True(symbolicBatch >= activations * 2 / 3, $"only {symbolicBatch} of {activations} activations keep the batch symbol");
        Assert.True(everyDimKnown ? unknown.Count == 0 : unknown.Count <= activations / 5, $"{unknown.Count} activations with unknown dims: {string.Join(", ", unknown.Take(5))}");
        Assert.Equal(types["logits"].Shape!.Select(d => d.ToString()), new[] { batch.DimParam, "10" });

        // value_info was written, and ONNX Runtime accepts it (it checks it against its own inference).
        Assert.True(inferred.Graph.Proto.ValueInfo.Count >= tensors.Count - 1);
        Assert.Equal(IrFixtures.Logits(model), IrFixtures.Logits(inferred));
    }

    [Fact]
    public void InferShapesPassWritesValueInfoForTheCnn()
    {
        var model = PassPipeline.Run(IrFixtures.Load("fmnist_cnn.onnx"), [new InferShapes()], out var log);
        var (pass, rewrites) = Assert.Single(log);
        Assert.Equal("InferShapes", pass);
        Assert.Equal(model.Graph.Nodes.Count, rewrites);
        var flatten = model.Graph.Nodes.Single(n => n.OpType == "Flatten").Output[0];
        var info = ShapeInference.FromValueInfo(model.Graph.ValueInfo(flatten)!)!;
        Assert.Equal(2, info.Rank);
        Assert.True(info.Shape![0].IsSymbolic);
        Assert.True(info.Shape[1].IsStatic && info.Shape[1].Value > 0);
    }

    /// <summary>Element type and shape of every named tensor, straight from an ORT session.</summary>
    static Dictionary<string, (int ElemType, long[] Dims)> RunWithAllOutputs(Model model, List<string> tensors)
    {
        using var runner = new ModelRunner(model, new RuntimeOptions(Threads: 1, Optimize: false), tensors);
        var data = IrFixtures.Images.AsSpan(0, 3 * 28 * 28).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, Shape3);
        using var run = new RunOptions();
        using var outputs = runner.Session.Run(run, runner.Inputs.Names, [input], runner.OutputNames);
        var result = new Dictionary<string, (int, long[])>();
        for (int i = 0; i < outputs.Count; i++)
        {
            var info = outputs[i].GetTensorTypeAndShape();
            result[runner.OutputNames[i]] = ((int)info.ElementDataType, info.Shape);
        }
        return result;
    }
}
