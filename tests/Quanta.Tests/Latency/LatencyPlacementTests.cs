using Quanta.Data;
using Quanta.IR;
using Quanta.Latency;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Data;
using Quanta.Tests.TestModels;
using Xunit.Abstractions;

namespace Quanta.Tests.Latency;

/// <summary>
/// Placement on a model built to have two regions of opposite character: a backbone of two wide
/// convolutions (int8 kernels pay off), and after a float ReduceMean a chain of tiny Mul/Add ops on
/// 64 values, where every int8 op adds quantize/dequantize work to microseconds of compute. The
/// machine decides which is faster; the tests check that what was written follows the timings it
/// recorded (never the wall clock of the test itself).
/// </summary>
public class LatencyPlacementTests(ITestOutputHelper output)
{
    const int Channels = 16, Side = 24, Wide = 64, TinyOps = 12;

    internal static Model TwoRegionModel()
    {
        var b = new GraphKit("two-regions", 11);
        string x = b.Input("x", DataTypes.Float, "batch", Channels, Side, Side);
        string h = b.Node("Conv", [x, b.Weight("w1", [Wide, Channels, 3, 3], Channels * 9), b.Constant("b1", [Wide], new float[Wide])], GraphKit.Attr.Ints("pads", 1, 1, 1, 1));
        h = b.Node("Relu", [h]);
        h = b.Node("Conv", [h, b.Weight("w2", [Wide, Wide, 3, 3], Wide * 9), b.Constant("b2", [Wide], new float[Wide])], GraphKit.Attr.Ints("pads", 1, 1, 1, 1));
        h = b.Node("Relu", [h]);
        h = b.Node("ReduceMean", [h], GraphKit.Attr.Ints("axes", 2, 3), GraphKit.Attr.Int("keepdims", 1)); // no quantized form: the boundary
        for (int i = 0; i < TinyOps; i++)
        {
            var values = Enumerable.Range(0, Wide).Select(c => 1f + 0.01f * ((c + i) % 7)).ToArray();
            h = b.Node(i % 2 == 0 ? "Mul" : "Add", [h, b.Constant($"k{i}", [1, Wide, 1, 1], values)]);
        }
        b.Named("Flatten", "y", [h]);
        b.Output("y", DataTypes.Float, "batch", Wide);
        return b.Build();
    }

    /// <summary>
    /// The default plan keeps arithmetic after the last weighted layer float (a model's tail: float is faster
    /// there by construction); the recipe forces the tiny ops to int8 so the timing has a region to judge.
    /// </summary>
    internal static QuantRecipe TinyOpsInt8 { get; } = new()
    {
        Nodes = new Dictionary<string, NodeOverride> { ["/mul*"] = new(Quantize: true), ["/add*"] = new(Quantize: true) },
    };

    internal static IDataset Calibration(TempDir dir)
    {
        string path = dir["calib.npy"];
        File.WriteAllBytes(path, Writers.Npy(Quanta.Tests.Numerics.Synthetic.Gaussian(32 * Channels * Side * Side, 3), [32, Channels, Side, Side]));
        return DataSource.Open(path, new DataOptions(Preprocessing.Identity));
    }

    [Fact]
    public void The_backbone_and_the_tiny_ops_are_separate_regions()
    {
        using var dir = new TempDir();
        var q = StaticQuantizer.Quantize(TwoRegionModel(), Calibration(dir), TinyOpsInt8.Resolve(Hardware.Detect()));
        var regions = RegionFinder.Find(q.Plan, maxRegions: 2);
        Assert.Equal(2, regions.Count);
        Assert.Equal(["Conv", "Conv"], regions[0].Nodes.Where(n => n.OpType == "Conv").Select(n => n.OpType));
        Assert.All(regions[1].Nodes, n => Assert.Contains(n.OpType, new[] { "Mul", "Add", "Flatten" }));
        Assert.Equal(TinyOps, regions[1].Nodes.Count(n => n.OpType is "Mul" or "Add"));
        // With room for more, the larger group is cut into consecutive stages; every quantized node is in exactly one region.
        var more = RegionFinder.Find(q.Plan, maxRegions: 6);
        Assert.InRange(more.Count, 3, 6);
        Assert.Equal(q.Plan.QuantizedNodes.Count, more.Sum(r => r.Nodes.Count));
        Assert.Equal(q.Plan.QuantizedNodes.Count, more.SelectMany(r => r.Nodes).Distinct().Count());
    }

    [Fact]
    public void The_region_budget_grows_with_the_weighted_nodes_within_bounds()
    {
        Assert.Equal(RegionFinder.MinRegions, RegionFinder.Budget(2));
        Assert.Equal(RegionFinder.MinRegions, RegionFinder.Budget(24));
        Assert.Equal(13, RegionFinder.Budget(52)); // UltraFace's 52 convolutions: about four per region
        Assert.Equal(RegionFinder.MaxRegions, RegionFinder.Budget(500));
        using var dir = new TempDir();
        var q = StaticQuantizer.Quantize(TwoRegionModel(), Calibration(dir), TinyOpsInt8.Resolve(Hardware.Detect()));
        Assert.Equal(RegionFinder.MinRegions, RegionFinder.Budget(q.Plan));
    }

    [Fact]
    public void Latency_keeps_int8_exactly_where_the_recorded_timings_say_it_is_faster()
    {
        using var dir = new TempDir();
        var model = TwoRegionModel();
        var q = StaticQuantizer.Quantize(model, Calibration(dir), TinyOpsInt8.Resolve(Hardware.Detect()));
        var options = new PlacementOptions(Objective.Latency, Rounds: 5, RoundMs: 20, MaxRegions: 2);
        var p = LatencyPlacement.Apply(model, q, options)!;
        foreach (var r in p.Regions) output.WriteLine($"{r.Region} {r.OpTypes}: int8 {r.Speedup:0.000}× int8 [{string.Join(", ", r.Int8Ms.Select(v => v.ToString("0.000")))}] float [{string.Join(", ", r.FloatMs.Select(v => v.ToString("0.000")))}]");

        Assert.True(p.Searched);
        Assert.Equal(2, p.Regions.Count);
        Assert.All(p.Regions, r => Assert.Equal(5, r.Int8Ms.Length));
        var regions = RegionFinder.Find(q.Plan, 2);
        var written = p.Result.Plan;
        for (int i = 0; i < regions.Count; i++)
        {
            var d = p.Regions[i];
            // The decision is the rule applied to the samples it recorded...
            Assert.Equal(PlacementRule.Speedup(d.FloatMs, d.Int8Ms), d.Speedup);
            // (in the float plan, where regions are timed as int8 suffixes, the fastest suffix decides: checked in PlacementRuleTests)
            if (p.RegionsIn == "int8") Assert.Equal(d.Speedup >= 1.02, d.KeptInt8);
            // ...and the written plan follows it: the region's nodes quantized, or kept float with the measured reason, or
            // given up by the never-slower guard (when the placed model, or the all-int8 plan it was reverted to, lost to float).
            foreach (var n in regions[i].Nodes)
            {
                bool givenUp = p.GivenUp.Contains(d.Region);
                bool measuredFloat = !d.KeptInt8 && !(p.Reverted && p.GivenUp.Count == 0 && !p.AllFloat);
                if (givenUp) Assert.Contains(written.KeptFloat, k => k.Node == Graph.Describe(n) && k.Reason.Contains($"{d.Region}: int8 {d.Speedup:0.00}× alone"));
                else if (measuredFloat || p.AllFloat) Assert.Contains(written.KeptFloat, k => k.Node == Graph.Describe(n) && k.Reason.Contains($"{d.Region}: int8 {d.Speedup:0.00}×"));
                else Assert.Contains(n, written.QuantizedNodes);
            }
        }
        // Whatever the regions measured, what is written is not slower than float in the guard's own timings.
        Assert.True(p.Speedup >= NeverSlowerGuard.Floor, p.Describe());
        Assert.Equal(p.AllFloat, written.QuantizedNodes.Count == 0);
        Assert.Equal(p.GivenUp.Count == 0 && !p.AllFloat && (p.Reverted || p.Regions.All(r => r.KeptInt8)), ReferenceEquals(q, p.Result));
        Assert.Equal(p.Describe(), p.Result.Model.Metadata(PlacementResult.MetadataKey));
        Assert.True(p.Speedup > 0 && p.FloatMs > 0 && p.QuantizedMs > 0);
    }

    [Fact]
    public void Size_does_no_timing_and_auto_searches_only_when_int8_lost()
    {
        using var dir = new TempDir();
        var model = TwoRegionModel();
        var q = StaticQuantizer.Quantize(model, Calibration(dir), TinyOpsInt8.Resolve(Hardware.Detect()));
        Assert.Null(LatencyPlacement.Apply(model, q, new PlacementOptions(Objective.Size)));
        var auto = LatencyPlacement.Apply(model, q, new PlacementOptions(Objective.Auto, Rounds: 3, RoundMs: 10, MaxRegions: 2))!;
        Assert.Equal(PlacementRule.NeedsSearch(auto.Int8Speedup), auto.Searched);
        if (!auto.Searched) Assert.Same(q, auto.Result);
        Assert.True(auto.Speedup >= NeverSlowerGuard.Floor, auto.Describe());
    }
}

/// <summary>`tune --objective latency`: the tuned model placed for speed, written only while it keeps the target.</summary>
public class LatencyTuneTests
{
    [Fact]
    public void The_placed_tuned_model_is_chosen_exactly_when_it_keeps_the_target()
    {
        using var dir = new TempDir();
        var model = LatencyPlacementTests.TwoRegionModel();
        var data = LatencyPlacementTests.Calibration(dir);
        var options = new Quanta.Analysis.TuneOptions(MaxDropPoints: 1, MaxTrials: 4, Methods: [Quanta.Calibration.CalibrationMethod.MinMax]) { Metric = Quanta.Analysis.Metric.Cosine };
        var tuned = Quanta.Analysis.Tuner.Run(model, data, data, null, LatencyPlacementTests.TinyOpsInt8.Resolve(Hardware.Detect()), options);
        Assert.True(tuned.Met);
        Assert.Null(LatencyTune.Apply(model, tuned, data, options, new PlacementOptions(Objective.Size)));

        var placed = LatencyTune.Apply(model, tuned, data, options, new PlacementOptions(Objective.Latency, Rounds: 3, RoundMs: 10, MaxRegions: 2))!;
        Assert.True(placed.Placement.Searched);
        if (placed.PlacedScore is { } score)
        {
            // Some region went float: the placed model was scored again, and chosen only within the target.
            Assert.Equal(score >= tuned.Target, placed.PlacedMet);
            Assert.Same(placed.PlacedMet ? placed.Placement.Result : tuned.Best, placed.Chosen);
            Assert.Equal(placed.PlacedMet, placed.Chosen.Plan.KeptFloat.Any(k => k.Reason.StartsWith("faster in float here", StringComparison.Ordinal)));
        }
        else Assert.Same(tuned.Best, placed.Chosen); // every region kept int8 (or the placed model lost to all-int8)
    }
}
