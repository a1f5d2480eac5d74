using Quanta.Detect;
using Quanta.Detect.Heads;
using Quanta.Detect.Scoring;

namespace Quanta.Tests.Detect;

/// <summary>Non-maximum suppression and the F1 tally built on the same IoU.</summary>
public class NmsTests
{
    [Fact]
    public void KeepsTheBestOfOverlappingBoxesAndEveryDisjointOne()
    {
        Detection[] candidates =
        [
            new(new Box(0.10f, 0.10f, 0.30f, 0.30f), 0.80f),
            new(new Box(0.11f, 0.11f, 0.31f, 0.31f), 0.95f), // overlaps the first (IoU ≈ 0.82): wins on score
            new(new Box(0.60f, 0.60f, 0.80f, 0.80f), 0.75f), // disjoint: kept
            new(new Box(0.10f, 0.20f, 0.30f, 0.40f), 0.90f), // IoU with the winner ≈ 0.39 > 0.3: suppressed
        ];
        var kept = new DetectionSet();

        Nms.Apply(candidates, 0.3f, kept);

        Assert.Equal([0.95f, 0.75f], kept.Items.ToArray().Select(d => d.Score));
    }

    [Fact]
    public void KeepsOverlapsBelowTheLimit()
    {
        // IoU of these two is 1/3: kept at a limit of 0.5, suppressed at 0.3.
        Detection[] candidates = [new(new Box(0, 0, 0.2f, 0.2f), 0.9f), new(new Box(0.1f, 0, 0.3f, 0.2f), 0.8f)];
        var kept = new DetectionSet();
        Nms.Apply(candidates.ToArray(), 0.5f, kept);
        Assert.Equal(2, kept.Count);
        Nms.Apply(candidates.ToArray(), 0.3f, kept);
        Assert.Equal(1, kept.Count);
    }

    [Fact]
    public void TallyMatchesEachTruthBoxOnceAtIoUHalf()
    {
        Box face = new(0.1f, 0.1f, 0.3f, 0.3f), missed = new(0.6f, 0.6f, 0.8f, 0.8f);
        Detection[] detections =
        [
            new(new Box(0.11f, 0.1f, 0.31f, 0.3f), 0.9f), // matches the face
            new(new Box(0.1f, 0.12f, 0.3f, 0.32f), 0.8f), // a duplicate: the face is taken, so a false positive
            new(new Box(0.4f, 0.0f, 0.5f, 0.1f), 0.7f),  // nothing there: false positive
        ];
        var tally = new DetectionTally();

        tally.Add(detections, [face, missed]);

        Assert.Equal((1L, 2L, 1L), (tally.TruePositives, tally.FalsePositives, tally.FalseNegatives));
        Assert.Equal(1 / 3.0, tally.Precision, 6);
        Assert.Equal(0.5, tally.Recall, 6);
        Assert.Equal(0.4, tally.F1, 6);
    }
}
