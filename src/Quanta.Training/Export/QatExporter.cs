using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Training.Execution;
using Quanta.Training.Quant;

namespace Quanta.Training.Export;

/// <summary>
/// Writes the trained simulation as a QDQ model through the same <see cref="Planner"/> and
/// <see cref="QdqWriter"/> as static PTQ (one QDQ emitter): the plan's parameters are the learned
/// scales and zero points instead of calibrated ones, and the weights are the trained ones,
/// already on their quantization grid, so the integers written are the ones the simulation used.
/// Biases are int32 with scale = input scale × weight scale, as PTQ writes them.
/// </summary>
public static class QatExporter
{
    public static (Model Model, QuantPlan Plan) Export(Model normalized, OnnxModule module, QuantSim sim)
    {
        var model = normalized.Clone();
        bool was = sim.Enabled;
        sim.Enabled = true;
        try
        {
            // Fake-quantizing the weights is libtorch work with short-lived Scalars, like a training step.
            using var step = NativeStep.Begin();
            module.WriteWeights(model, (name, p) => sim.Weights.TryGetValue(name, out var fq) ? fq.forward(p) : p);
        }
        finally { sim.Enabled = was; }

        var plan = Planner.Plan(model.Graph, sim.Recipe);
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Activation && t.SameAs is null))
            plan.SetParams(t.Name, sim.Activations.TryGetValue(t.Name, out var fq)
                ? fq.ToParams()
                : throw new InvalidOperationException($"activation '{t.Name}' has no fake quantizer (plan and simulation disagree)"));
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Activation && t.SameAs is not null))
            plan.SetParams(t.Name, plan.Params[plan.ParamsSource(t.Name)]);
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Weight))
            plan.SetParams(t.Name, sim.Weights.TryGetValue(t.Name, out var fq) ? fq.ToParams() : FromValues(model.Graph, t));
        foreach (var t in plan.Tensors.Values.Where(t => t.Role == TensorRole.Bias))
            plan.SetParams(t.Name, BiasParams(plan, t));

        QdqWriter.Apply(model, plan);
        return (model, plan);
    }

    /// <summary>A weight the simulation did not train (a fixed constant): PTQ's min/max rule.</summary>
    static QuantParams FromValues(Graph g, TensorPlan t)
    {
        var tensor = g.Initializer(t.Name)!;
        var values = Tensors.ToFloats(tensor);
        var shape = tensor.Dims.ToArray();
        return t.Axis is { } axis && shape.Length > axis ? QuantMath.PerChannel(values, shape, axis, t.Spec) : QuantMath.PerTensor(values, t.Spec);
    }

    static QuantParams BiasParams(QuantPlan plan, TensorPlan bias)
    {
        var input = plan.Params[plan.ParamsSource(bias.BiasInput!)];
        var weight = plan.Params[bias.BiasWeight!];
        var scale = new float[weight.Scale.Length];
        for (int c = 0; c < scale.Length; c++) scale[c] = input.Scale[0] * weight.Scale[c];
        return new QuantParams(scale, new int[scale.Length], QuantType.Int32, int.MinValue + 1, int.MaxValue, weight.PerTensor ? null : 0);
    }
}
