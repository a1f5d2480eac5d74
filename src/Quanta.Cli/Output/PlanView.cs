using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Quantization;
using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>`inspect --plan`: the quantization plan for a model, before any calibration.</summary>
static class PlanView
{
    public static int Show(Model model, string? recipeFile, bool json)
    {
        var recipe = recipeFile is null ? new QuantRecipe()
            : File.Exists(recipeFile) ? QuantRecipe.FromJson(File.ReadAllText(recipeFile), recipeFile)
            : throw QuantaException.BadInput($"--recipe: file not found: {recipeFile}");
        var resolved = recipe.Resolve(Hardware.Detect());
        var prepared = PassPipeline.Run(model, PassPipeline.Normalize, out var preparation);
        var plan = Planner.Plan(prepared.Graph, resolved);

        var tensors = plan.Tensors.Values.Select(t => new
        {
            tensor = t.Name,
            role = t.Role.ToString().ToLowerInvariant(),
            type = t.Spec.Type.ToString().ToLowerInvariant(),
            symmetric = t.Spec.Symmetric,
            reduceRange = t.Spec.ReduceRange,
            axis = t.Axis,
            sharesWith = plan.ParamsSource(t.Name) is var source && source != t.Name ? source : null, // pass-through or a Concat's shared scale
        }).ToList();
        if (json)
        {
            Printer.Json(new
            {
                recipe = resolved.Describe(),
                preparation = preparation.Select(p => new { pass = p.Pass, rewrites = p.Rewrites }),
                quantized = plan.QuantizedNodes.Select(n => new { node = Graph.Describe(n), op = n.OpType }),
                foldedActivations = plan.FusedActivations.Select(Graph.Describe),
                keptFloat = plan.KeptFloat,
                dynamic = plan.Dynamic.Select(d => new { output = d.Output, op = d.OpType }),
                tensors,
            });
            return 0;
        }
        var console = Printer.Stdout;
        console.WriteLine($"recipe: {resolved.Describe()}");
        console.WriteLine($"preparation: {string.Join(", ", preparation.Where(p => p.Rewrites > 0).Select(p => $"{p.Pass} ×{p.Rewrites}"))}");
        var nodes = Printer.Table("node", "op", "decision");
        foreach (var n in plan.QuantizedNodes) nodes.AddCells(Graph.Describe(n), n.OpType, plan.FusedActivations.Contains(n) ? "folded into its producer" : "quantized");
        foreach (var d in plan.Dynamic) nodes.AddCells($"(writes {d.Output})", d.OpType, "dynamic: weights int8, its float input quantized at run time");
        foreach (var k in plan.KeptFloat) nodes.AddCells(k.Node, k.OpType, "float: " + k.Reason);
        console.Write(nodes);
        var table = Printer.Table("tensor", "role", "type", "granularity", "parameters");
        foreach (var t in tensors)
            table.AddCells(t.tensor, t.role, t.type + (t.symmetric ? " symmetric" : "") + (t.reduceRange ? " 7-bit" : ""),
                t.axis is { } a ? $"per channel (axis {a})" : "per tensor", t.sharesWith is { } s ? $"shared with {s}" : "own");
        console.Write(table);
        return 0;
    }
}
