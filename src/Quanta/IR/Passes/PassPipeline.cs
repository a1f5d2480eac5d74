using Quanta.IR.Normalize;

namespace Quanta.IR.Passes;

/// <summary>Runs graph passes in order on a copy of a model, checking the graph after each.</summary>
internal static class PassPipeline
{
    /// <summary>
    /// The standard preparation before quantization, in order: constants become initializers
    /// and no-op copies go first so that every later pattern sees producers directly; constant
    /// folding precedes BN folding because BN parameters and shapes may themselves be computed;
    /// old opsets are upgraded before anything reads op signatures; exporters' spelled-out
    /// LayerNorm, hard-sigmoid and hard-swish are recognised after folding has made their
    /// constants plain; shapes are inferred last, over the final graph (bodies included). Control-flow
    /// bodies get their constants right after the main graph's are lifted. A fresh list each call.
    /// </summary>
    public static List<IGraphPass> Normalize =>
    [
        new LiftConstants(),
        new ResolveSubgraphs(),
        new RemoveIdentityAndDropout(),
        new UpgradeOpset(),
        new ConstantFolding(),
        new FoldBatchNorm(),
        new FuseLayerNorm(),
        new FuseHardSigmoid(),
        new FuseHardSwish(),
        new InferShapes(),
    ];

    /// <summary>
    /// Clones <paramref name="input"/> once and applies <paramref name="passes"/> in order;
    /// <paramref name="log"/> gets each pass's name and rewrite count.
    /// </summary>
    public static Model Run(Model input, IReadOnlyList<IGraphPass> passes, out List<(string Pass, int Rewrites)> log)
    {
        var model = input.Clone();
        log = new List<(string Pass, int Rewrites)>(passes.Count);
        foreach (var pass in passes)
        {
            int rewrites = pass.Apply(model);
            model.Graph.Changed();
            log.Add((pass.Name, rewrites));
            // A broken graph is reported here, naming the pass, not later inside ONNX Runtime.
            var problems = model.Graph.Validate();
            if (problems.Count > 0)
                throw new InvalidOperationException($"{model.Source}: pass {pass.Name} left an invalid graph: {problems[0]}"); // a bug in the pass, not bad input
        }
        return model;
    }
}
