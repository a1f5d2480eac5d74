using Quanta.IR;
using Quanta.Quantization;
using Quanta.Training.Execution;
using Quanta.Training.Quant;

namespace Quanta.Training.Export;

/// <summary>
/// Writes the trained simulation as a QDQ model through the same <see cref="Planner"/> and
/// <see cref="QdqWriter"/> as static PTQ (one QDQ emitter): the plan's parameters are the learned
/// scales and zero points instead of calibrated ones, and the weights are the trained ones,
/// already on their quantization grid, so the integers written are the ones the simulation used.
/// <see cref="ParamResolver"/> fills the plan as it does for PTQ: shared activations, weights the
/// simulation did not train, and int32 biases (input scale × weight scale) follow PTQ's rules.
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
            // The scope keeps every temporary tensor reachable until the weights are written (and then frees them).
            using var scope = TorchSharp.torch.NewDisposeScope();
            module.WriteWeights(model, (name, p) => sim.Weights.TryGetValue(name, out var fq) ? fq.forward(p) : p);
        }
        finally { sim.Enabled = was; }

        var plan = Planner.Plan(model.Graph, sim.Recipe);
        ParamResolver.Resolve(model.Graph, plan,
            t => sim.Activations.TryGetValue(t.Name, out var fq)
                ? fq.ToParams()
                : throw new InvalidOperationException($"activation '{t.Name}' has no fake quantizer (plan and simulation disagree)"),
            t => sim.Weights.TryGetValue(t.Name, out var fq) ? fq.ToParams() : null);
        QdqWriter.Apply(model, plan);
        return (model, plan);
    }
}
