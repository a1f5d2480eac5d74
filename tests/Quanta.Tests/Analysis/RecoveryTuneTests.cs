using Quanta.Analysis;
using Quanta.Calibration;
using Quanta.Numerics;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Quantization;

namespace Quanta.Tests.Analysis;

/// <summary>
/// tune tries bias correction and AdaRound as candidates after the calibrators, and each trial says
/// which recovery steps it used and what they gained over the best candidate before them.
/// </summary>
public class RecoveryTuneTests
{
    [Fact]
    public void Recovery_steps_are_candidates_with_their_gain()
    {
        var model = Quanta.IR.Model.Load(TestData.Model("fmnist_cnn.onnx"));
        // Per-tensor 4-bit weights: rounding error large enough for recovery to be tried.
        var start = new QuantRecipe { Method = CalibrationMethod.MinMax, WeightType = QuantType.Int4, PerChannel = false, CalibCount = 64, AdaRoundIters = 50 }.Resolve(Hardware.Detect());
        var search = Quantize.Test(200);
        var r = Tuner.Run(model, Quantize.Calibration(64), search, null, start, new TuneOptions(MaxDropPoints: 0, MaxTrials: 3, Methods: [CalibrationMethod.MinMax]));
        var first = r.Trials[0];
        Assert.Equal("calibration", first.Phase);
        Assert.Equal("", first.Recovery);
        var corrected = r.Trials[1];
        Assert.Equal("recovery", corrected.Phase);
        Assert.Equal("bias-corrected", corrected.Recovery);
        Assert.Equal(corrected.Score - first.Score, corrected.Gain!.Value, 6);
        if (r.Trials.Count > 2)
        {
            Assert.Equal("recovery", r.Trials[2].Phase);
            Assert.StartsWith("adaround 50 iterations", r.Trials[2].Recovery);
            Assert.NotNull(r.Trials[2].Gain);
        }
        // The chosen model carries its recovery steps in its recipe metadata.
        if (r.Chosen.Recovery.Length > 0) Assert.Contains(r.Chosen.Recovery, r.Best.Model.Metadata("quanta.recipe"));
    }

    [Fact]
    public void Eight_bit_per_channel_weights_get_no_recovery_candidates()
    {
        var model = Quanta.IR.Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var start = new QuantRecipe { CalibCount = 64 }.Resolve(Hardware.Detect());
        var r = Tuner.Run(model, Quantize.Calibration(64), Quantize.Test(200), null, start, new TuneOptions(MaxDropPoints: 0, MaxTrials: 2, Methods: [CalibrationMethod.MinMax]));
        Assert.DoesNotContain(r.Trials, t => t.Phase == "recovery");
    }
}
