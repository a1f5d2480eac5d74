namespace Quanta.Detect.Inference;

/// <summary>
/// How a detector is run and post-processed. Defaults are UltraFace's: (pixel − 127) / 128,
/// keep score ≥ 0.7, NMS at IoU 0.3.
/// </summary>
public sealed record DetectorOptions(int Threads = 1, float ScoreThreshold = 0.7f, float NmsIou = 0.3f, float Mean = 127f, float Std = 128f)
{
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Threads < 0) problems.Add($"--threads {Threads}: must be 0 (all cores) or more");
        if (ScoreThreshold is < 0 or > 1) problems.Add($"--score-threshold {ScoreThreshold}: must be between 0 and 1");
        if (NmsIou is <= 0 or > 1) problems.Add($"--nms-iou {NmsIou}: must be in (0, 1]");
        return problems;
    }
}
