using Quanta.Latency;

namespace Quanta.Tests.Latency;

/// <summary>The never-slower guard as a function of given timing samples: no clock involved.</summary>
public class NeverSlowerGuardTests
{
    static RegionDecision Decision(string name, double speedup, bool kept = true) =>
        new(name, 3, 1, "Conv×3", name + "/first", name + "/last", speedup, kept, [], []);

    [Fact]
    public void Kept_regions_are_given_up_slowest_first_and_lost_ones_are_not_in_the_chain()
    {
        var chain = NeverSlowerGuard.Steps([Decision("R1", 1.30), Decision("R2", 0.80, kept: false), Decision("R3", 1.05), Decision("R4", 1.12)]);
        Assert.Equal([["R3"], ["R4"], ["R1"]], chain.Select(s => s.Select(d => d.Region).ToArray()).ToArray());
    }

    [Fact]
    public void Ties_are_broken_by_name_so_the_same_timings_give_the_same_chain()
    {
        var a = NeverSlowerGuard.Steps([Decision("R2", 1.10), Decision("R1", 1.10)]);
        var b = NeverSlowerGuard.Steps([Decision("R1", 1.10), Decision("R2", 1.10)]);
        Assert.Equal(["R1", "R2"], a.SelectMany(s => s).Select(d => d.Region));
        Assert.Equal(a.SelectMany(s => s).Select(d => d.Region), b.SelectMany(s => s).Select(d => d.Region));
    }

    [Fact]
    public void Many_kept_regions_are_given_up_in_at_most_six_steps_and_the_last_step_gives_up_every_one()
    {
        var decisions = Enumerable.Range(1, 14).Select(i => Decision($"R{i}", 1.0 + 0.01 * i)).ToList();
        var chain = NeverSlowerGuard.Steps(decisions);
        Assert.Equal(NeverSlowerGuard.MaxSteps, chain.Count);
        Assert.Equal(decisions.Select(d => d.Region), chain.SelectMany(s => s).Select(d => d.Region)); // slowest first, each once
        Assert.InRange(chain.Min(s => s.Count), 2, 3);
        Assert.Empty(NeverSlowerGuard.Steps([Decision("R1", 0.9, kept: false)]));
    }

    [Fact]
    public void The_first_candidate_not_slower_than_float_is_written_and_none_means_float_everywhere()
    {
        double[] floatMs = [4.60, 4.58, 4.70, 4.61, 4.59];
        double[] placed = [4.75, 4.70, 4.80, 4.72, 4.74];       // 0.97×: slower, as UltraFace's placed model measured
        double[] dropSlowest = [4.65, 4.62, 4.71, 4.66, 4.60];  // still a hair slower
        double[] dropTwo = [4.50, 4.49, 4.61, 4.52, 4.55];      // 1.02×
        Assert.Equal(2, NeverSlowerGuard.Choose(floatMs, [placed, dropSlowest, dropTwo]));
        Assert.Equal(0, NeverSlowerGuard.Choose(floatMs, [dropTwo, placed]));
        Assert.Equal(-1, NeverSlowerGuard.Choose(floatMs, [placed, dropSlowest]));
        Assert.Equal(-1, NeverSlowerGuard.Choose(floatMs, []));
        // Exactly as fast as float passes: the guard asks "not slower", not "faster".
        Assert.Equal(0, NeverSlowerGuard.Choose(floatMs, [floatMs]));
    }

    [Fact]
    public void One_disturbed_round_does_not_make_the_guard_give_up_a_faster_model()
    {
        // Round 2 ran the candidate while another tenant held the core: its ratio is 0.5, the others 1.10.
        double[] floatMs = [1.10, 1.10, 1.10, 1.10, 1.10], candidate = [1.00, 2.20, 1.00, 1.00, 1.00];
        Assert.Equal(0, NeverSlowerGuard.Choose(floatMs, [candidate]));
    }
}
