using Quanta.Detect;
using Quanta.Detect.Heads;

namespace Quanta.Tests.Detect;

/// <summary>The "decoded boxes + scores" head: which outputs it binds to and what it reads from them.</summary>
public class HeadTests
{
    [Fact]
    public void BindsBoxesAndScoresByShapeWhateverTheirOrderAndNames()
    {
        var head = DetectionHeads.Bind("m.onnx", [new OutputInfo("out0", [1, 3, 2], true), new OutputInfo("out1", [1, 3, 4], true)]);
        float[] scores = [0.9f, 0.1f, 0.2f, 0.8f, 0.25f, 0.75f];
        float[] boxes = [0, 0, 0.1f, 0.1f, 0.2f, 0.2f, 0.4f, 0.4f, 0.5f, 0.5f, 0.9f, 0.9f];
        var candidates = new Detection[head.MaxCandidates];

        int n = head.Decode([scores, boxes], 0.7f, candidates);

        // Column 1 is the object score: anchors 1 (0.8) and 2 (0.75) pass 0.7, anchor 0 (0.1) does not.
        Assert.Equal(2, n);
        Assert.Equal(new Detection(new Box(0.2f, 0.2f, 0.4f, 0.4f), 0.8f), candidates[0]);
        Assert.Equal(new Detection(new Box(0.5f, 0.5f, 0.9f, 0.9f), 0.75f), candidates[1]);
    }

    [Fact]
    public void RefusesOutputsThatFitNoHeadNamingThem()
    {
        var e = Assert.Throws<QuantaException>(() => DetectionHeads.Bind("classifier.onnx", [new OutputInfo("logits", [1, 1000], true)]));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.Contains("classifier.onnx", e.Message);
        Assert.Contains("logits [1,1000]", e.Message);
    }

    [Fact]
    public void RefusesBoxesAndScoresOfDifferentAnchorCounts()
    {
        Assert.Throws<QuantaException>(() => DetectionHeads.Bind("m.onnx", [new OutputInfo("scores", [1, 10, 2], true), new OutputInfo("boxes", [1, 12, 4], true)]));
    }
}
