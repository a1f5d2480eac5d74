using Quanta.Numerics;

namespace Quanta.Calibration;

/// <summary>
/// Watches the values of one tensor as calibration data streams through the model and keeps
/// bounded-size statistics (never the values themselves), then proposes the clipping range.
/// </summary>
public interface IObserver
{
    /// <summary>Folds one batch of values into the statistics. NaN and ±Inf are ignored.</summary>
    void Observe(ReadOnlySpan<float> values);

    /// <summary>Number of finite values observed so far.</summary>
    long Count { get; }

    /// <summary>The clipping range [Min, Max] the method chooses for quantizing with <paramref name="spec"/>.</summary>
    (float Min, float Max) Range(QuantSpec spec);
}
