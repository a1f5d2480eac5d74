using Quanta.Data;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Tests.Quantization;

/// <summary>
/// A quantized Conv's output differs from float by no more than the scales allow:
/// ŷ − y = Σ (w·e_x + e_w·x + e_w·e_x) + e_b with |e_x| ≤ s_x/2, |e_w| ≤ s_w/2, |e_b| ≤ s_x·s_w/2,
/// so per output channel c, |ŷ − y| ≤ K·(max|w_c|·s_x/2 + max|x|·s_w,c/2 + s_x·s_w,c/4) + s_x·s_w,c/2.
/// </summary>
public class ErrorBoundTests
{
    [Fact]
    public void FirstConvOfTheCnnStaysWithinTheBoundMeasuredFromItsScales()
    {
        var model = SingleConv(Model.Load(TestData.Model("fmnist_cnn.onnx")), out string output);
        var data = Quantize.Calibration(64);
        var result = StaticQuantizer.Quantize(model, data, new QuantRecipe { CalibCount = 64 }.Resolve(Hardware.Detect()));

        var conv = model.Graph.Nodes.Single(n => n.OpType == "Conv");
        var weight = model.Graph.Initializer(conv.Input[1])!;
        var w = Tensors.ToFloats(weight);
        int channels = (int)weight.Dims[0], k = w.Length / channels;
        var sx = result.Plan.Params[conv.Input[0]].Scale[0];
        var sw = result.Plan.Params[conv.Input[1]].Scale;

        using var floatRunner = new ModelRunner(model);
        using var quantRunner = new ModelRunner(result.Model);
        double worstRatio = 0, largestError = 0;
        foreach (var batch in data.Batches(16)) // the calibration images: inside the calibrated range, so nothing is clipped
        {
            float maxX = batch.Data.Max(Math.Abs);
            var y = floatRunner.Run(batch).Single(o => o.Name == output);
            var q = quantRunner.Run(batch).Single(o => o.Name == output);
            long plane = y.Values.Length / (batch.Count * channels);
            for (int i = 0; i < y.Values.Length; i++)
            {
                int c = (int)(i / plane % channels);
                float maxW = 0;
                for (int j = 0; j < k; j++) maxW = Math.Max(maxW, Math.Abs(w[c * k + j]));
                double bound = k * (maxW * sx / 2 + maxX * sw[c] / 2 + sx * sw[c] / 4) + sx * sw[c] / 2;
                double error = Math.Abs(q.Values[i] - y.Values[i]);
                worstRatio = Math.Max(worstRatio, error / bound);
                largestError = Math.Max(largestError, error);
            }
        }
        Assert.True(worstRatio <= 1.0, $"error reached {worstRatio:0.00}× the bound");
        Assert.True(largestError > 0, "the model was not quantized at all");
    }

    /// <summary>The model cut after its first Conv, whose output becomes the graph output.</summary>
    static Model SingleConv(Model source, out string output)
    {
        var model = source.Clone();
        var conv = model.Graph.Nodes.First(n => n.OpType == "Conv");
        output = conv.Output[0];
        model.Graph.Outputs.Clear();
        model.Graph.Outputs.Add(new ValueInfoProto { Name = output });
        model.Graph.Changed();
        model.Graph.RemoveUnused();
        return model;
    }
}
