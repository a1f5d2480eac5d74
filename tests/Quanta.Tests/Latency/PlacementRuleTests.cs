using Quanta.Latency;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.Latency;

/// <summary>The placement decisions as functions of given timing samples: no clock involved.</summary>
public class PlacementRuleTests
{
    static Region Region(string name) => new(name, [new NodeProto { OpType = "Conv", Name = name + "/conv", Output = { name + "_out" } }]) { WeightedNodes = 1 };

    [Fact]
    public void A_region_that_is_slower_in_int8_stays_float_and_a_faster_one_stays_int8()
    {
        // Per-round medians (ms) of the whole model with the region in int8, and with it in float.
        double[] slowInt8 = [2.40, 2.43, 2.45, 2.38, 2.41], itsFloat = [2.20, 2.22, 2.19, 2.25, 2.21];
        double[] fastInt8 = [1.10, 1.12, 1.09, 1.11, 1.10], itsFloatToo = [1.80, 1.85, 1.79, 1.82, 1.81];
        var slow = PlacementRule.Decide(Region("head"), slowInt8, itsFloat, 1.02);
        var fast = PlacementRule.Decide(Region("backbone"), fastInt8, itsFloatToo, 1.02);
        Assert.False(slow.KeptInt8);
        Assert.InRange(slow.Speedup, 0.90, 0.93);
        Assert.True(fast.KeptInt8);
        Assert.InRange(fast.Speedup, 1.62, 1.66);
    }

    [Fact]
    public void The_speedup_is_the_median_of_per_round_ratios_so_one_disturbed_round_does_not_flip_a_decision()
    {
        // Round 3 ran the int8 side while another tenant held the core: its ratio is 0.5, the others 1.05.
        double[] int8 = [1.00, 1.00, 2.10, 1.00, 1.00], floatSide = [1.05, 1.05, 1.05, 1.05, 1.05];
        var d = PlacementRule.Decide(Region("r"), int8, floatSide, 1.02);
        Assert.Equal(1.05, d.Speedup, 6);
        Assert.True(d.KeptInt8);
        // A drift that slows both sides of every round alike leaves the ratios, and the decision, unchanged.
        var drifted = PlacementRule.Decide(Region("r"), int8.Select((v, k) => v * (1 + k)).ToArray(), floatSide.Select((v, k) => v * (1 + k)).ToArray(), 1.02);
        Assert.Equal(d.Speedup, drifted.Speedup, 9);
    }

    [Fact]
    public void The_margin_decides_near_ties_for_float()
    {
        double[] int8 = [1.00, 1.00, 1.00], floatSide = [1.01, 1.015, 1.012];
        Assert.False(PlacementRule.Decide(Region("r"), int8, floatSide, 1.02).KeptInt8);   // 1.2 % faster: within the noise, float
        Assert.True(PlacementRule.Decide(Region("r"), int8, [1.03, 1.04, 1.03], 1.02).KeptInt8);
        Assert.False(PlacementRule.Decide(Region("r"), int8, [1.03, 1.04, 1.03], 1.10).KeptInt8); // --objective accuracy asks 10 %
    }

    [Fact]
    public void Same_timings_give_the_same_decisions()
    {
        double[] int8 = [1.3, 1.1, 1.2, 1.25], floatSide = [1.2, 1.3, 1.1, 1.24];
        var a = PlacementRule.Decide(Region("r"), int8, floatSide, 1.02);
        var b = PlacementRule.Decide(Region("r"), (double[])int8.Clone(), (double[])floatSide.Clone(), 1.02);
        Assert.Equal(a.Speedup, b.Speedup);
        Assert.Equal(a.KeptInt8, b.KeptInt8);
    }

    [Fact]
    public void The_default_objective_searches_only_when_int8_is_not_faster()
    {
        Assert.False(PlacementRule.NeedsSearch(1.4));
        Assert.False(PlacementRule.NeedsSearch(1.0));
        Assert.True(PlacementRule.NeedsSearch(0.9));
        Assert.True(PlacementRule.NeedsSearch(double.NaN));
    }

    [Fact]
    public void In_the_float_plan_the_fastest_int8_suffix_is_kept_and_each_region_shows_what_it_added()
    {
        Region[] regions = [Region("stem"), Region("middle"), Region("deep"), Region("head")];
        double[] floatMs = [4.6, 4.6, 4.6];
        // Regions k… int8, those before float: all-int8 loses (the stem), from the middle on wins most.
        double[][] suffixes = [[5.6, 5.6, 5.6], [4.0, 4.0, 4.0], [4.3, 4.3, 4.3], [4.55, 4.55, 4.55]];
        var d = PlacementRule.DecideSuffix(regions, floatMs, suffixes, 1.02);
        Assert.Equal([false, true, true, true], d.Select(x => x.KeptInt8));
        Assert.Equal(4.0 / 5.6, d[0].Speedup, 6);   // adding the stem to the int8 suffix cost time
        Assert.Equal(4.3 / 4.0, d[1].Speedup, 6);
        Assert.Equal(4.6 / 4.55, d[3].Speedup, 6);  // the head alone against the float model
        // No suffix reaches the margin: every region float. Equal speed-ups: the longer suffix (more int8).
        Assert.All(PlacementRule.DecideSuffix(regions, floatMs, suffixes.Select(_ => new[] { 4.55, 4.55, 4.55 }).ToArray(), 1.02), x => Assert.False(x.KeptInt8));
        Assert.All(PlacementRule.DecideSuffix(regions, floatMs, suffixes.Select(_ => new[] { 4.0, 4.0, 4.0 }).ToArray(), 1.02), x => Assert.True(x.KeptInt8));
    }

    [Fact]
    public void Timing_blocks_are_sized_on_the_float_models_time()
    {
        Assert.Equal(50, LatencyProbe.RunsPerBlock(0.2, 10));   // a tiny model: 10 ms of runs
        Assert.Equal(LatencyProbe.MinRuns, LatencyProbe.RunsPerBlock(4.6, 10)); // UltraFace: never fewer than 5 runs
        Assert.Equal(200, LatencyProbe.RunsPerBlock(0.001, 25)); // capped
    }

    [Fact]
    public void Bad_options_are_named()
    {
        Assert.StartsWith("PlacementOptions.Batch", new PlacementOptions(Batch: 0).Validate()[0]);
        Assert.StartsWith("PlacementOptions.Threads", new PlacementOptions(Threads: -1).Validate()[0]);
        // The library knows no flags; the command line rejects a bad --objective while parsing (PlacementCliTests).
        Assert.Equal("unknown Objective 'fast' (expected auto, latency, size or accuracy)",
            Assert.Throws<QuantaException>(() => Objectives.Parse("fast")).Message);
    }
}
