namespace Quanta.Quantization;

/// <summary>
/// What a user should know about a quantized model that its accuracy and size do not say: one line
/// each, printed after the summary and listed in <c>--json</c>.
/// </summary>
public static class QuantizeAdvice
{
    public static List<string> For(QuantizeResult r)
    {
        var advice = new List<string>();
        if (r.CollapsedWeights.Count > 0)
        {
            var worst = r.CollapsedWeights[0];
            int tensors = r.CollapsedWeights.Count;
            advice.Add($"warning: with per-tensor weight scales, {r.CollapsedWeights.Sum(c => c.Collapsed)} output channels in {tensors} weight tensor{(tensors == 1 ? "" : "s")} " +
                       $"quantize to a single value (worst: {worst.Tensor}, {worst.Collapsed} of {worst.Channels}); per-channel weights keep them");
        }
        if (IsTransformerShaped(r) && r.Recipe.Target.Name.StartsWith("x86", StringComparison.Ordinal))
            advice.Add("note: static int8 MatMuls gain little on x86 when LayerNorm, Softmax and GELU stay float between them " +
                       "(the reference ViT here: static 0.86–0.96× float at batch 1, dynamic quantization 1.18–1.31×); `quanta bench FLOAT QUANTIZED` measures this model");
        return advice;
    }

    /// <summary>
    /// More quantized MatMuls than convolutions (a ViT's patch embedding is one Conv), and the
    /// normalisation or attention ops that stay float between them.
    /// </summary>
    static bool IsTransformerShaped(QuantizeResult r) =>
        r.Plan.QuantizedNodes.Count(n => n.OpType == "MatMul") > r.Plan.QuantizedNodes.Count(n => n.OpType is "Conv" or "ConvTranspose") &&
        r.Model.Graph.Nodes.Any(n => n.OpType is "LayerNormalization" or "Softmax");
}
