using System.Text.Json.Serialization;

namespace Quanta.Quantization;

/// <summary>
/// The kinds of quantization Quanta writes, each with its own entry point and options record:
/// static (<see cref="StaticQuantizer"/>, needs calibration data), dynamic
/// (<see cref="Dynamic.DynamicQuantizer"/>), weight-only (<see cref="WeightOnly.WeightOnlyQuantizer"/>)
/// and float16/bfloat16 conversion (<see cref="Float16.Float16Converter"/>).
/// </summary>
[JsonConverter(typeof(OptionNameJsonConverter<QuantMode>))]
public enum QuantMode
{
    Static,
    Dynamic,
    [OptionName("weight-only")] WeightOnly,
    Fp16,
    Bf16,
}
