using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Tests.Numerics;

namespace Quanta.Tests.Calibration;

public class CalibrationResultTests
{
    [Fact]
    public void JsonRoundTripKeepsStatsAndHistogram()
    {
        var spec = new QuantSpec(QuantType.UInt8);
        var x = Synthetic.Laplace(20_000, 8);
        var result = new CalibrationResult { Method = CalibrationMethod.Entropy, Settings = new CalibrationSettings(Bins: 512) };
        var ent = ObserverFactory.Create(CalibrationMethod.Entropy, result.Settings);
        ent.Observe(x);
        var mm = new MinMaxObserver();
        mm.Observe(x);
        var a = result.Add("conv1/out", ent, spec);
        var b = result.Add("relu", mm, spec);

        var json = result.ToJson();
        Assert.Contains("\"entropy\"", json);
        var back = CalibrationResult.FromJson(json);
        Assert.Equal(CalibrationMethod.Entropy, back.Method);
        Assert.Equal(512, back.Settings.Bins);
        var a2 = back.Tensors["conv1/out"];
        Assert.Equal((a.Min, a.Max, a.Count, a.RangeMin, a.RangeMax, a.HistogramRange), (a2.Min, a2.Max, a2.Count, a2.RangeMin, a2.RangeMax, a2.HistogramRange));
        Assert.Equal(a.HistogramCounts, a2.HistogramCounts);
        Assert.Equal(x.Min(), a2.Min);
        Assert.Equal(x.Max(), a2.Max);
        Assert.Equal((x.Min(), x.Max()), (back.Tensors["relu"].RangeMin, back.Tensors["relu"].RangeMax));
        Assert.Null(back.Tensors["relu"].HistogramCounts);

        // A saved histogram re-chooses the same range, or another method's, without the data.
        var again = ObserverFactory.FromHistogram(CalibrationMethod.Entropy, a2.ToHistogram()!, back.Settings)!;
        Assert.Equal(ent.Range(spec), again.Range(spec));
        var pct = ObserverFactory.FromHistogram(CalibrationMethod.Percentile, a2.ToHistogram()!)!;
        var direct = new PercentileObserver(99.99, 512);
        direct.Observe(x);
        Assert.Equal(direct.Range(spec), pct.Range(spec));
    }

    [Fact]
    public void InvalidJsonIsBadInput()
    {
        Assert.Equal(FailureKind.BadInput, Assert.Throws<QuantaException>(() => CalibrationResult.FromJson("{ not json")).Kind);
        Assert.Equal(FailureKind.BadInput, Assert.Throws<QuantaException>(() => CalibrationResult.Load("/nonexistent/cal.json")).Kind);
    }
}
