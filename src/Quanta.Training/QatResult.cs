using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Training.Train;

namespace Quanta.Training;

/// <summary>What <c>quanta qat</c> produced: the QDQ model, how training went, and (with evaluation data) float vs exported accuracy in ONNX Runtime.</summary>
public sealed record QatResult(
    Model Model,
    string Recipe,
    int QuantizedNodes,
    int ActivationQuantizers,
    int WeightQuantizers,
    TrainSummary Training,
    double CalibrationSeconds,
    EvalResult? FloatEval,
    EvalResult? QuantizedEval,
    double? SimulationTop1,
    int? SimulationCount);
