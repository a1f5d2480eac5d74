using Quanta.IR;
using Quanta.Onnx.Proto;
using Quanta.Quantization;

namespace Quanta.Recovery;

/// <summary>
/// The quantized Conv/Gemm layers of a planned float model, in execution order, and where each
/// one's input and output appear once the plan is written as QDQ: the writer rewires inputs to
/// their dequantized copies and moves a fused Relu/Clip's output name onto the layer.
/// </summary>
static class LayerOutputs
{
    /// <summary>Layers whose weight the plan quantizes (per tensor, or per channel along the output axis).</summary>
    public static List<LinearLayer> Quantized(Graph g, QuantPlan plan)
    {
        var layers = new List<LinearLayer>();
        foreach (var node in g.TopologicalOrder())
        {
            if (LinearLayer.Of(g, node) is not { } layer) continue;
            if (!plan.Params.TryGetValue(layer.WeightName, out var p) || !plan.Tensors.TryGetValue(layer.WeightName, out var t) || t.Role != TensorRole.Weight) continue;
            if (p.BlockSize > 0 || (p.Axis is { } axis && axis != layer.OutAxis)) continue;
            layers.Add(layer);
        }
        return layers;
    }

    /// <summary>The layer's output tensor name in the QDQ model written from this plan.</summary>
    public static string QdqOutput(NodeProto layer, QuantPlan plan)
    {
        foreach (var a in plan.FusedActivations)
            if (a.Input[0] == layer.Output[0]) return a.Output[0];
        return layer.Output[0];
    }

    /// <summary>The layer node in a QDQ model (found through its output, which the writer keeps).</summary>
    public static NodeProto InQdq(Graph qdq, NodeProto layer, QuantPlan plan) =>
        qdq.Producer(QdqOutput(layer, plan)) ?? throw new InvalidOperationException($"layer {Graph.Describe(layer)} not found in the QDQ model");

    /// <summary>Writes <paramref name="model"/> as QDQ with <paramref name="plan"/> (on a copy).</summary>
    public static Model WriteQdq(Model model, QuantPlan plan)
    {
        var qdq = model.Clone();
        QdqWriter.Apply(qdq, plan);
        return qdq;
    }
}
