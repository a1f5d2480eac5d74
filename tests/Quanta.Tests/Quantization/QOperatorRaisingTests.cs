using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Tests.Quantization;

public class QOperatorRaisingTests
{
    static readonly string[] IntegerOps = ["QLinearConv", "QLinearMatMul", "QLinearAdd", "QLinearMul", "QGemm", "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearSigmoid", "QLinearConcat"];

    [Fact]
    public void RaisedModelIsQdqAndComputesTheSameOutputs()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var lowered = Quantize.Run(model, new QuantRecipe { Format = QuantFormat.QOperator }, calibCount: 64).Model;
        Assert.True(QOperatorRaising.Applies(lowered));

        var raised = QOperatorRaising.Apply(lowered);

        Assert.DoesNotContain(raised.Graph.Nodes, n => IntegerOps.Contains(n.OpType));
        Assert.Contains(lowered.Graph.Nodes, n => n.OpType == "QLinearConv"); // the input model is left alone
        Assert.Equal(3, raised.Graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Empty(raised.Graph.Validate());
        // Every Conv reads dequantized activations and weights (per-channel weights keep their axis).
        foreach (var conv in raised.Graph.Nodes.Where(n => n.OpType == "Conv"))
            Assert.All(conv.Input, i => Assert.Equal("DequantizeLinear", raised.Graph.Producer(i)?.OpType));

        var batch = Quantize.Test(32).Batches(32).First();
        using var integer = new ModelRunner(lowered);
        using var qdq = new ModelRunner(raised);
        var expected = integer.Run(batch)[0].Values;
        var actual = qdq.Run(batch)[0].Values;
        Assert.Equal(expected.Length, actual.Length);
        // The same integer arithmetic: ONNX Runtime fuses the QDQ groups back into the same kernels.
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
    }

    [Fact]
    public void FloatModelsAndQdqModelsAreLeftToOtherReaders()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        Assert.False(QOperatorRaising.Applies(model));
        Assert.False(QOperatorRaising.Applies(Quantize.Run(model, new QuantRecipe(), calibCount: 64).Model));
    }
}
