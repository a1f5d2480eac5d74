using Quanta.Runtime;

namespace Quanta.Tests.Evaluation;

public class CoreLatencyTests
{
    static BenchResult Run(int threads, double roundTripNs) =>
        new(0.3, 0.3, 0.4, 0.3, 200, 64, 10, 20, 6400, threads, 1, 3000, 1000, 1 << 20, "test machine", roundTripNs);

    [Fact]
    public void ARoundTripIsMeasuredWhereThereAreTwoCores()
    {
        double ns = CoreLatency.RoundTripNs(2_000);
        if (Environment.ProcessorCount < 2) Assert.True(double.IsNaN(ns));
        else Assert.True(double.IsFinite(ns) && ns > 0, $"{ns} ns");
    }

    [Fact]
    public void OnlyMultiThreadedRunsWithSlowRoundTripsAreFlagged()
    {
        Assert.True(Run(2, 420).ThreadsFarApart);
        Assert.False(Run(2, 100).ThreadsFarApart);
        Assert.False(Run(1, double.NaN).ThreadsFarApart);
        Assert.False(Run(1, 420).ThreadsFarApart);   // one thread never waits for another
    }
}
