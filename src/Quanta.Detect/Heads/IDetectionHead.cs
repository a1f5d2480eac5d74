namespace Quanta.Detect.Heads;

/// <summary>
/// Turns a detector's raw outputs into scored boxes. Which head a model gets is decided once,
/// from its output names and shapes; a model whose outputs fit no head is refused (bad input).
/// </summary>
public interface IDetectionHead
{
    /// <summary>A short description for messages and the report.</summary>
    string Description { get; }
    /// <summary>The most candidates one frame can produce (sizes the scratch buffer).</summary>
    int MaxCandidates { get; }
    /// <summary>Writes every candidate scoring at least <paramref name="threshold"/>; returns how many.</summary>
    int Decode(IReadOnlyList<float[]> outputs, float threshold, Span<Detection> candidates);
}

/// <summary>One model output as the session sees it after a first run.</summary>
public sealed record OutputInfo(string Name, long[] Shape, bool IsFloat);

/// <summary>Picks the head for a model's outputs: today the one kind real exports need, "decoded boxes + scores".</summary>
public static class DetectionHeads
{
    public static IDetectionHead Bind(string model, IReadOnlyList<OutputInfo> outputs) =>
        DecodedBoxesHead.TryBind(outputs)
        ?? throw QuantaException.BadInput(
            $"{model}: outputs {string.Join(", ", outputs.Select(o => $"{o.Name} [{string.Join(",", o.Shape)}]"))} fit no detection head " +
            "(expected decoded boxes [1,N,4] (x1,y1,x2,y2 in 0..1) and scores [1,N,C] as UltraFace or SSD exports with decoding in the graph)");
}
