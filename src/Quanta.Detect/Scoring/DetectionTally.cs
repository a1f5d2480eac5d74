namespace Quanta.Detect.Scoring;

/// <summary>
/// Precision, recall and F1 of detections against reference boxes (ground truth, or another
/// model's detections) at an IoU threshold: greedy matching, highest score first, each
/// reference box matched at most once.
/// </summary>
public sealed class DetectionTally(float iou = 0.5f)
{
    public long TruePositives { get; private set; }
    public long FalsePositives { get; private set; }
    public long FalseNegatives { get; private set; }

    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    /// <summary>Adds one frame: <paramref name="detections"/> in descending score, against <paramref name="reference"/>.</summary>
    public void Add(ReadOnlySpan<Detection> detections, ReadOnlySpan<Box> reference)
    {
        Span<bool> used = reference.Length <= 512 ? stackalloc bool[reference.Length] : new bool[reference.Length];
        int matched = 0;
        foreach (var d in detections)
        {
            int best = -1;
            float bestIoU = iou;
            for (int r = 0; r < reference.Length; r++)
            {
                if (used[r]) continue;
                float v = Box.IoU(d.Box, reference[r]);
                if (v >= bestIoU) (best, bestIoU) = (r, v);
            }
            if (best >= 0) { used[best] = true; matched++; }
        }
        TruePositives += matched;
        FalsePositives += detections.Length - matched;
        FalseNegatives += reference.Length - matched;
    }

    /// <summary>Against another detector's boxes (its scores ignored).</summary>
    public void Add(ReadOnlySpan<Detection> detections, DetectionSet reference)
    {
        Span<Box> boxes = stackalloc Box[reference.Count];
        for (int i = 0; i < boxes.Length; i++) boxes[i] = reference.Items[i].Box;
        Add(detections, boxes);
    }
}
