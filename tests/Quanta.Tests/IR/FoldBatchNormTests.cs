using Quanta.IR;
using Quanta.IR.Passes;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.IR;

public class FoldBatchNormTests
{
    const float Eps = 1e-5f;

    [Fact]
    public void FoldsBatchNormsInsertedAfterEveryConvAndGemmOfTheCnn()
    {
        var original = IrFixtures.Load("fmnist_cnn.onnx");
        var expected = IrFixtures.Logits(original);
        var unfolded = original.Clone();
        var rng = new Random(42);
        int inserted = 0;
        foreach (var node in unfolded.Graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm").ToList())
        {
            Unfold(unfolded.Graph, node, rng);
            inserted++;
        }
        unfolded.Graph.SortTopologically();
        Assert.Equal(5, inserted);
        Assert.Equal(original.Graph.Nodes.Count + inserted, unfolded.Graph.Nodes.Count);
        // Sanity: the unfolded model computes the same function.
        Assert.True(IrFixtures.RelativeError(expected, IrFixtures.Logits(unfolded)) < 1e-4);

        var folded = PassPipeline.Run(unfolded, [new FoldBatchNorm()], out var log);
        Assert.Equal(inserted, log.Single().Rewrites);
        Assert.Equal(original.Graph.Nodes.Count, folded.Graph.Nodes.Count);
        Assert.DoesNotContain(folded.Graph.Nodes, n => n.OpType == "BatchNormalization");
        Assert.Equal(original.Graph.Initializers.Count(), folded.Graph.Initializers.Count()); // old weights and BN params dropped
        double error = IrFixtures.RelativeError(expected, IrFixtures.Logits(folded));
        Assert.True(error <= 1e-4, $"relative error {error}");
    }

    [Fact]
    public void TurnsMatMulAndBatchNormIntoOneGemm()
    {
        var original = IrFixtures.Load("fmnist_cnn.onnx");
        var expected = IrFixtures.Logits(original);
        var model = original.Clone();
        var g = model.Graph;
        // The first Gemm (transB=1, W [M,K], bias C) becomes MatMul(A, Wᵀ/s) + BN with mean = (β − C)/s.
        var gemm = g.Nodes.First(n => n.OpType == "Gemm");
        Assert.Equal(1, gemm.GetInt("transB", 0));
        var w = g.Initializer(gemm.Input[1])!;
        var bias = Tensors.ToFloats(g.Initializer(gemm.Input[2])!);
        int m = (int)w.Dims[0], k = (int)w.Dims[1];
        var wv = Tensors.ToFloats(w);
        var (gamma, beta, _, variance, scale) = RandomBn(new Random(3), m);
        var wt = new float[k * m];
        for (int r = 0; r < m; r++) for (int c = 0; c < k; c++) wt[c * m + r] = wv[r * k + c] / scale[r];
        var mean = new float[m];
        for (int r = 0; r < m; r++) mean[r] = (beta[r] - bias[r]) / scale[r];
        g.AddInitializer(Tensors.FromFloats("mm_w", [k, m], wt));
        var matmul = new NodeProto { OpType = "MatMul", Name = "mm", Input = { gemm.Input[0], "mm_w" }, Output = { "mm_out" } };
        var bn = BnNode(g, "mm", "mm_out", gemm.Output[0], gamma, beta, mean, variance);
        int at = g.Nodes.IndexOf(gemm);
        g.Nodes[at] = matmul;
        g.Nodes.Insert(at + 1, bn);
        g.Changed();
        Assert.True(IrFixtures.RelativeError(expected, IrFixtures.Logits(model)) < 1e-4);

        var folded = PassPipeline.Run(model, [new FoldBatchNorm()], out var log);
        Assert.Equal(1, log.Single().Rewrites);
        Assert.Equal(original.Graph.Nodes.Select(n => n.OpType), folded.Graph.Nodes.Select(n => n.OpType));
        Assert.True(IrFixtures.RelativeError(expected, IrFixtures.Logits(folded)) <= 1e-4);
    }

    [Fact]
    public void LeavesAStandaloneBatchNormAndOneWhoseConvOutputIsShared()
    {
        var model = IrFixtures.Load("fmnist_cnn.onnx");
        var g = model.Graph;
        var conv = g.Nodes.First(n => n.OpType == "Conv");
        var rng = new Random(5);
        Unfold(g, conv, rng);
        // A second reader of the Conv output: folding would change what it sees.
        string convOut = conv.Output[0];
        g.Outputs.Add(new ValueInfoProto { Name = convOut });
        g.Changed();
        var result = PassPipeline.Run(model, [new FoldBatchNorm()], out var log);
        Assert.Equal(0, log.Single().Rewrites);
        Assert.Single(result.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }

    static (float[] Gamma, float[] Beta, float[] Mean, float[] Var, float[] Scale) RandomBn(Random rng, int c)
    {
        float[] gamma = new float[c], beta = new float[c], mean = new float[c], variance = new float[c], scale = new float[c];
        for (int i = 0; i < c; i++)
        {
            gamma[i] = 0.5f + rng.NextSingle();
            beta[i] = rng.NextSingle() - 0.5f;
            mean[i] = rng.NextSingle() - 0.5f;
            variance[i] = 0.5f + 1.5f * rng.NextSingle();
            scale[i] = gamma[i] / MathF.Sqrt(variance[i] + Eps);
        }
        return (gamma, beta, mean, variance, scale);
    }

    /// <summary>
    /// Inserts BN(γ, β, mean, var) after a Conv or Gemm and compensates its weights so the function
    /// is unchanged: W ← W/s per output channel, b ← (b − β)/s + mean.
    /// </summary>
    static void Unfold(Graph g, NodeProto node, Random rng)
    {
        var w = g.Initializer(node.Input[1])!;
        var b = g.Initializer(node.Input[2])!;
        int channels = (int)w.Dims[0]; // Conv [M,…]; the CNN's Gemms have transB = 1: [M, K]
        var (gamma, beta, mean, variance, scale) = RandomBn(rng, channels);
        var wv = Tensors.ToFloats(w);
        var bv = Tensors.ToFloats(b);
        int per = wv.Length / channels;
        for (int m = 0; m < channels; m++)
        {
            for (int j = 0; j < per; j++) wv[m * per + j] /= scale[m];
            bv[m] = (bv[m] - beta[m]) / scale[m] + mean[m];
        }
        g.RemoveInitializer(w.Name);
        g.RemoveInitializer(b.Name);
        g.AddInitializer(Tensors.FromFloats(w.Name, w.Dims.ToArray(), wv));
        g.AddInitializer(Tensors.FromFloats(b.Name, b.Dims.ToArray(), bv));
        string output = node.Output[0], inner = output + "_prebn";
        node.Output[0] = inner;
        g.AddNode(BnNode(g, output, inner, output, gamma, beta, mean, variance));
    }

    static NodeProto BnNode(Graph g, string prefix, string input, string output, float[] gamma, float[] beta, float[] mean, float[] variance)
    {
        var bn = new NodeProto { OpType = "BatchNormalization", Name = prefix + "_bn", Input = { input }, Output = { output } };
        foreach (var (suffix, values) in new[] { ("gamma", gamma), ("beta", beta), ("mean", mean), ("var", variance) })
        {
            string name = g.UniqueName($"{prefix}_bn_{suffix}");
            g.AddInitializer(Tensors.FromFloats(name, [values.Length], values));
            bn.Input.Add(name);
        }
        bn.Attribute.Add(new AttributeProto { Name = "epsilon", F = Eps, Type = AttributeProto.Types.AttributeType.Float });
        return bn;
    }
}
