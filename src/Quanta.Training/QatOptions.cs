using Quanta.Calibration;
using Quanta.Training.Quant;

namespace Quanta.Training;

/// <summary>Which optimizer updates weights and quantization parameters.</summary>
public enum OptimizerKind { Sgd, AdamW }

/// <summary>
/// Everything a user can ask of quantization-aware training, typed, with defaults in code and a
/// <see cref="Validate"/> that reports every problem at once.
/// </summary>
public sealed record QatOptions
{
    // what quantized means
    public int WeightBits { get; init; } = 8;
    public int ActivationBits { get; init; } = 8;
    public WeightScheme Weights { get; init; } = WeightScheme.Uniform;
    public bool PerChannel { get; init; } = true;
    /// <summary>Null: the target decides (7-bit int8 weights where ONNX Runtime's u8×s8 kernels saturate).</summary>
    public bool? ReduceRange { get; init; }
    public bool LearnScales { get; init; } = true;
    public bool LearnZeroPoints { get; init; } = true;
    /// <summary>False trains the same module in plain float (the throughput baseline; export then uses the learned weights with fresh ranges).</summary>
    public bool FakeQuant { get; init; } = true;

    // range initialisation
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;
    public double Percentile { get; init; } = 99.99;
    public int CalibCount { get; init; } = 512;

    // training
    public int Epochs { get; init; } = 1;
    /// <summary>When set, the step budget (overrides <see cref="Epochs"/>); 0 exports the initialised simulation untrained (PTQ with QAT's quantizers, a reference point).</summary>
    public int? Steps { get; init; }
    public int? TrainCount { get; init; }
    public int Batch { get; init; } = 64;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    /// <summary>Peak learning rate of the cosine schedule; null picks 1e-3 (SGD) or 1e-4 (AdamW): fine-tuning a trained model, not training one (0.01 measurably disturbed ResNet-20 in a short run).</summary>
    public double? Lr { get; init; }
    public double WeightDecay { get; init; }
    public double Momentum { get; init; } = 0.9;
    public bool Augment { get; init; }
    public bool Distill { get; init; }
    public double Temperature { get; init; } = 4;
    /// <summary>Share of the distillation term in the loss (the rest is cross-entropy on labels).</summary>
    public double DistillWeight { get; init; } = 0.7;
    public int Seed { get; init; }
    /// <summary>Folder for checkpoints; training resumes from it when it holds one.</summary>
    public string? Checkpoint { get; init; }
    public int CheckpointEvery { get; init; } = 200;
    public int Threads { get; init; }
    /// <summary>Evaluation samples also run through the simulation (TorchSharp is slower than ONNX Runtime; 0 skips it).</summary>
    public int SimulationEvalCount { get; init; } = 1000;

    public double LearningRate => Lr ?? (Optimizer == OptimizerKind.Sgd ? 1e-3 : 1e-4);

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (WeightBits is < 2 or > 16) problems.Add($"{nameof(WeightBits)} must be 2..16, got {WeightBits}");
        if (ActivationBits is < 2 or > 16) problems.Add($"{nameof(ActivationBits)} must be 2..16, got {ActivationBits}");
        if (Epochs < 1) problems.Add($"{nameof(Epochs)} must be at least 1, got {Epochs}");
        if (Steps is < 0) problems.Add($"{nameof(Steps)} must not be negative, got {Steps}");
        if (TrainCount is < 1) problems.Add($"{nameof(TrainCount)} must be at least 1, got {TrainCount}");
        if (Batch < 1) problems.Add($"{nameof(Batch)} must be at least 1, got {Batch}");
        if (Lr is { } lr && !(lr > 0 && double.IsFinite(lr))) problems.Add($"{nameof(Lr)} must be positive, got {lr}");
        if (WeightDecay < 0) problems.Add($"{nameof(WeightDecay)} must not be negative, got {WeightDecay}");
        if (Temperature <= 0) problems.Add($"{nameof(Temperature)} must be positive, got {Temperature}");
        if (DistillWeight is < 0 or > 1) problems.Add($"{nameof(DistillWeight)} must be in [0, 1], got {DistillWeight}");
        if (CalibCount < 1) problems.Add($"{nameof(CalibCount)} must be at least 1, got {CalibCount}");
        if (CheckpointEvery < 1) problems.Add($"{nameof(CheckpointEvery)} must be at least 1, got {CheckpointEvery}");
        if (Percentile is <= 50 or > 100) problems.Add($"{nameof(Percentile)} must be in (50, 100], got {Percentile}");
        return problems;
    }

    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
            throw QuantaException.BadInput(problems.Count == 1 ? problems[0] : $"{problems[0]} (and {problems.Count - 1} more: {string.Join("; ", problems.Skip(1))})");
    }

    /// <summary>One line for people and for the exported model's metadata.</summary>
    public string Describe() =>
        $"qat, weights {(Weights == WeightScheme.Uniform ? $"int{WeightBits}" : OptionNames.Of(Weights) + " (int8 storage)")} " +
        $"{(PerChannel ? "per-channel" : "per-tensor")}, activations uint{ActivationBits}, " +
        $"{(LearnScales ? "learned scales (LSQ)" : "frozen ranges")}, init {OptionNames.Of(Method)}, {OptionNames.Of(Optimizer)} lr {LearningRate:g3} cosine" +
        $"{(Distill ? $", distillation T={Temperature:g3} weight {DistillWeight:g2}" : "")}{(Augment ? ", augmentation" : "")}, seed {Seed}";
}
