using Quanta.Calibration;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Tests.Quantization;

/// <summary>
/// A model calibrated once serves every calibration method with that method's own range: the
/// running-statistics methods (meanstd, moving-average) give what a direct quantization with them
/// gives, not min/max under their name.
/// </summary>
public class CalibratedModelRangeTests
{
    const int Samples = 128;

    [Theory]
    [InlineData(CalibrationMethod.MeanStd)]
    [InlineData(CalibrationMethod.MovingAverage)]
    public void RunningStatisticsMethodsMatchADirectQuantization(CalibrationMethod method)
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var minmax = new QuantRecipe { Method = CalibrationMethod.MinMax, CalibCount = Samples }.Resolve(Hardware.Detect());
        var calibrated = CalibratedModel.Calibrate(model, Quantize.Calibration(Samples), minmax);

        var recipe = new QuantRecipe { Method = method, CalibCount = Samples, Sigmas = 2.5f };
        var fromCalibrated = calibrated.Quantize(recipe.Resolve(Hardware.Detect())).Ranges.ToDictionary(r => r.Tensor);
        var direct = Quantize.Run(model, recipe, Samples).Ranges;
        var minmaxRanges = calibrated.Quantize(minmax).Ranges.ToDictionary(r => r.Tensor);

        Assert.NotEmpty(direct);
        foreach (var d in direct)
        {
            var c = fromCalibrated[d.Tensor];
            Assert.Equal(d.Min, c.Min, 1e-5f);
            Assert.Equal(d.Max, c.Max, 1e-5f);
        }
        // Both methods narrow at least one range that min/max keeps whole.
        Assert.Contains(direct, d => d.Max < minmaxRanges[d.Tensor].Max - 1e-4f || d.Min > minmaxRanges[d.Tensor].Min + 1e-4f);
    }

    [Fact]
    public void MovingAverageWithOtherBatchesIsRefused()
    {
        var model = Model.Load(TestData.Model("fmnist_cnn.onnx"));
        var calibrated = CalibratedModel.Calibrate(model, Quantize.Calibration(64), new QuantRecipe { CalibCount = 64 }.Resolve(Hardware.Detect()));
        var other = new QuantRecipe { Method = CalibrationMethod.MovingAverage, CalibCount = 64, CalibBatch = 8 }.Resolve(Hardware.Detect());
        var e = Assert.Throws<QuantaException>(() => calibrated.Quantize(other));
        Assert.Contains("batches of 32", e.Message);
        Assert.Contains("batches of 8", e.Message);
    }
}
