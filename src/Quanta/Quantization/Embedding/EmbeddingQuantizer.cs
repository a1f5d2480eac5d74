using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;
using Quanta.Quantization.WeightOnly;

namespace Quanta.Quantization.Embedding;

/// <summary>
/// Quantizes every large constant table read by Gather (word embeddings) once, blockwise along its
/// rows, and rewrites its readers to use the one quantized copy: Gathers become com.microsoft
/// GatherBlockQuantized (rows dequantized as they are looked up, so the table is never expanded
/// to float), tied output projections become com.microsoft MatMulNBits over the same bytes; with
/// standard ops only, all of them read one blocked DequantizeLinear (<see cref="DequantizedTable"/>).
/// Dynamic and weight-only modes run it before their MatMul rewrites, so a tied projection is
/// taken here and not quantized a second time from its own copy of the table.
/// </summary>
static class EmbeddingQuantizer
{
    public const string OpType = "Gather";
    const string MsDomain = "com.microsoft";

    public sealed record Outcome(Dictionary<string, int> Converted, List<KeptFloat> Kept, List<string> Notes)
    {
        public bool UsesMsDomain { get; set; }
    }

    public static Outcome Apply(Graph g, EmbeddingSettings settings, string[] exclude)
    {
        var outcome = new Outcome(new Dictionary<string, int>(), new List<KeptFloat>(), new List<string>());
        var excludes = new Glob(exclude);
        foreach (var table in EmbeddingTable.Find(g))
        {
            if (table.Gathers.FirstOrDefault(n => excludes.Matches(n.Name)) is { } excluded)
            {
                outcome.Kept.Add(new KeptFloat(Graph.Describe(excluded), OpType, "excluded"));
                continue;
            }
            if (settings.Bits == 4 && table.Width % 2 != 0)
            {
                outcome.Kept.Add(new KeptFloat(Graph.Describe(table.Gathers[0]), OpType, $"table '{table.Name}' has an odd row width ({table.Width}); 4-bit rows are packed two per byte"));
                continue;
            }
            Rewrite(g, table, settings, outcome);
        }
        if (outcome.Converted.Count > 0) g.RemoveUnused();
        return outcome;
    }

    static void Rewrite(Graph g, EmbeddingTable table, EmbeddingSettings settings, Outcome outcome)
    {
        int block = settings.BlockFor(table.Width);
        // Round to nearest over blocks of each row: RTN's layout is column-major over a [K, N] weight,
        // so seen as Eᵀ [Width, Rows] its codes come out in the table's own row-major order.
        var q = RtnQuantizer.QuantizeRows(table.Values, table.Rows, table.Width, block, new BlockGrid(settings.Bits, settings.Symmetric));
        if (settings.StandardOps)
        {
            DequantizedTable.Write(g, table, q, settings.Symmetric);
            Count(outcome, OpType, table.Gathers.Count);
            foreach (var p in table.Projections) Count(outcome, p.Node.OpType);
            return;
        }
        outcome.UsesMsDomain = true;
        var stored = StoredTable.Write(g, table.Name, q, settings.Symmetric);
        foreach (var gather in table.Gathers)
        {
            var node = NodeKit.Node("GatherBlockQuantized", g.UniqueName(Graph.Describe(gather) + "_quantized"),
                [stored.Data, gather.Input[1], stored.Scales, stored.ZeroPoints ?? ""], [gather.Output[0]],
                NodeKit.Int("gather_axis", 0), NodeKit.Int("quantize_axis", 1), NodeKit.Int("block_size", block), NodeKit.Int("bits", settings.Bits));
            Trim(node);
            node.Domain = MsDomain;
            g.AddNode(node);
            g.RemoveNode(gather);
            Count(outcome, OpType);
        }
        if (table.Projections.Count == 0) return;
        if (table.Width % block != 0)
        {
            foreach (var p in table.Projections)
                outcome.Kept.Add(new KeptFloat(Graph.Describe(p.Node), p.Node.OpType, $"tied to '{table.Name}', whose rows ({table.Width}) are not whole blocks of {block}"));
            outcome.Notes.Add($"the output projection tied to '{table.Name}' stays as it was: MatMulNBits needs whole blocks and {table.Width} is not a multiple of {block}");
            return;
        }
        string b = stored.AsMatMulNBitsWeight(g, q);
        foreach (var p in table.Projections)
        {
            string? bias = p.Bias is null ? null : NodeKit.AddConstant(g, Graph.Describe(p.Node) + "_bias", Tensors.FromFloats("", [table.Rows], p.Bias));
            MatMulNBitsWriter.AddNode(g, Graph.Describe(p.Node) + "_nbits", [p.Input, b, stored.Scales, stored.ZeroPoints, bias], p.Output,
                table.Width, table.Rows, settings.Bits, block, settings.AccuracyLevel);
            g.RemoveNode(p.Node);
            Count(outcome, p.Node.OpType);
        }
    }

    static void Trim(Onnx.Proto.NodeProto node)
    {
        while (node.Input[^1].Length == 0) node.Input.RemoveAt(node.Input.Count - 1);
    }

    static void Count(Outcome o, string opType, int n = 1) => o.Converted[opType] = o.Converted.GetValueOrDefault(opType) + n;
}
