namespace Quanta.Detect.Heads;

/// <summary>
/// Detectors that decode boxes inside the graph (UltraFace, SSD exports with their post-processing):
/// boxes [1,N,4] as normalised x1,y1,x2,y2 and scores [1,N,C] (softmax; the object score is column 1
/// when there is a background column 0, else column 0).
/// </summary>
public sealed class DecodedBoxesHead : IDetectionHead
{
    readonly int _boxes, _scores, _count, _classes, _column;

    DecodedBoxesHead(int boxes, int scores, int count, int classes)
    {
        (_boxes, _scores, _count, _classes) = (boxes, scores, count, classes);
        _column = classes >= 2 ? 1 : 0;
    }

    public string Description => $"decoded boxes + scores ({_count} anchors, {_classes} score columns)";
    public int MaxCandidates => _count;

    /// <summary>The head when two float outputs fit [1,N,4] and [1,N,C] (names "boxes"/"scores" preferred); else null.</summary>
    public static DecodedBoxesHead? TryBind(IReadOnlyList<OutputInfo> outputs)
    {
        bool Fits(OutputInfo o) => o.IsFloat && o.Shape.Length == 3 && o.Shape[0] == 1 && o.Shape[1] > 0 && o.Shape[2] > 0;
        var candidates = outputs.Select((o, i) => (o, i)).Where(p => Fits(p.o)).ToList();
        var boxes = candidates.Where(p => p.o.Shape[2] == 4).OrderBy(p => p.o.Name.Contains("box", StringComparison.OrdinalIgnoreCase) ? 0 : 1).ToList();
        foreach (var b in boxes)
        {
            var scores = candidates.Where(p => p.i != b.i && p.o.Shape[1] == b.o.Shape[1])
                .OrderBy(p => p.o.Name.Contains("score", StringComparison.OrdinalIgnoreCase) ? 0 : 1).ToList();
            if (scores.Count > 0) return new DecodedBoxesHead(b.i, scores[0].i, (int)b.o.Shape[1], (int)scores[0].o.Shape[2]);
        }
        return null;
    }

    public int Decode(IReadOnlyList<float[]> outputs, float threshold, Span<Detection> candidates)
    {
        var boxes = outputs[_boxes].AsSpan();
        var scores = outputs[_scores].AsSpan();
        int n = 0;
        for (int i = 0; i < _count; i++)
        {
            float score = scores[i * _classes + _column];
            if (score < threshold) continue;
            var b = boxes.Slice(i * 4, 4);
            candidates[n++] = new Detection(new Box(b[0], b[1], b[2], b[3]), score);
        }
        return n;
    }
}
