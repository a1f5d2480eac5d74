using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.TestModels;
using Attr = Quanta.Tests.TestModels.GraphKit.Attr;

namespace Quanta.Tests.Quantization;

/// <summary>
/// What the planner declares for each op type of <see cref="OpRegistry"/>, on graphs of a few nodes built
/// in memory: no ONNX Runtime, no calibration, just the plan (roles, channel axes, shared parameters).
/// </summary>
public sealed class PlannerTests
{
    static readonly ResolvedRecipe Recipe = new QuantRecipe { Target = Targets.Generic }.Resolve(Hardware.Detect());

    /// <summary>
    /// x [1, 4, 8, 8] → Conv → body(k, x) → y, after shape inference (the planner reads tensor types from
    /// value_info). With <paramref name="tailChannels"/> a 1×1 Conv reads the body's output: arithmetic is
    /// quantized only where its integers flow on into a weighted kernel (IntegerReach), not in a model's tail.
    /// </summary>
    static (QuantPlan Plan, Graph Graph) Plan(Func<GraphKit, string, string> body, ResolvedRecipe? recipe = null, int tailChannels = 0)
    {
        var k = new GraphKit("planner", seed: 5);
        string x = k.Input("x", DataTypes.Float, 1, 4, 8, 8);
        string head = k.Node("Conv", "head", [x, k.Weight("head_w", [4, 4, 1, 1], 4), k.Zeros("head_b", 4)]);
        string result = body(k, head);
        if (tailChannels > 0) result = k.Node("Conv", "tail", [result, k.Weight("tail_w", [4, tailChannels, 1, 1], tailChannels), k.Zeros("tail_b", 4)]);
        k.Named("Identity", "y", [result]);
        k.Output("y", DataTypes.Float);
        var model = k.Build();
        ShapeInference.Infer(model);
        return (Planner.Plan(model.Graph, recipe ?? Recipe), model.Graph);
    }

    static TensorRole Role(QuantPlan plan, string tensor) => plan.Tensors[tensor].Role;

    static bool Quantized(QuantPlan plan, string opType) => plan.QuantizedNodes.Any(n => n.OpType == opType);

    [Fact]
    public void Conv_weight_per_output_channel_on_axis_0_and_int32_bias()
    {
        var (plan, g) = Plan((k, x) => k.Node("Conv", "conv", [x, k.Weight("w", [8, 4, 3, 3], 36), k.Zeros("b", 8)], Attr.Ints("pads", 1, 1, 1, 1)));
        var conv = g.Nodes.Single(n => n.OpType == "Conv" && n.Input[0] != "x");
        Assert.Equal(TensorRole.Weight, Role(plan, conv.Input[1]));
        Assert.Equal(0, plan.Tensors[conv.Input[1]].Axis);
        Assert.Equal(TensorRole.Bias, Role(plan, conv.Input[2]));
        Assert.Equal(QuantType.Int32, plan.Tensors[conv.Input[2]].Spec.Type);
        Assert.Equal(TensorRole.Activation, Role(plan, conv.Input[0]));
        Assert.Equal(TensorRole.Activation, Role(plan, conv.Output[0]));
    }

    [Fact]
    public void ConvTranspose_weight_per_channel_on_axis_1_and_per_tensor_with_groups()
    {
        var (plain, g1) = Plan((k, x) => k.Node("ConvTranspose", "deconv", [x, k.Weight("w", [4, 6, 2, 2], 16)], Attr.Ints("strides", 2, 2)));
        var w1 = g1.Nodes.Single(n => n.OpType == "ConvTranspose").Input[1];
        Assert.Equal(1, plain.Tensors[w1].Axis);

        // Grouped: weight [C, M/g, k, k] interleaves output channels across groups, so one scale per tensor.
        var (grouped, g2) = Plan((k, x) => k.Node("ConvTranspose", "deconv", [x, k.Weight("w", [4, 3, 2, 2], 16)], Attr.Ints("strides", 2, 2), Attr.Int("group", 2)));
        var w2 = g2.Nodes.Single(n => n.OpType == "ConvTranspose").Input[1];
        Assert.Equal(TensorRole.Weight, Role(grouped, w2));
        Assert.Null(grouped.Tensors[w2].Axis);
        Assert.True(Quantized(grouped, "ConvTranspose"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gemm_weight_axis_follows_transB(bool transB)
    {
        var (plan, g) = Plan((k, x) =>
        {
            string flat = k.Node("Flatten", [x]);
            string w = transB ? k.Weight("w", [10, 256], 256) : k.Weight("w", [256, 10], 256);
            return k.Node("Gemm", [flat, w, k.Zeros("b", 10)], Attr.Int("transB", transB ? 1 : 0));
        });
        var gemm = g.Nodes.Single(n => n.OpType == "Gemm");
        Assert.Equal(transB ? 0 : 1, plan.Tensors[gemm.Input[1]].Axis);
        Assert.Equal(TensorRole.Bias, Role(plan, gemm.Input[2]));
    }

    [Fact]
    public void Gemm_with_transA_stays_float_with_the_reason()
    {
        var (plan, _) = Plan((k, x) => k.Node("Gemm", [k.Node("Flatten", [x]), k.Weight("w", [256, 10], 256)], Attr.Int("transA", 1)));
        Assert.False(Quantized(plan, "Gemm"));
        Assert.Contains(plan.KeptFloat, f => f.OpType == "Gemm" && f.Reason.Contains("transA"));
    }

    [Fact]
    public void MatMul_constant_operand_is_a_weight_on_its_last_axis_and_a_computed_one_an_activation()
    {
        var (plan, g) = Plan((k, x) => k.Node("MatMul", [x, k.Weight("w", [8, 5], 8)]));
        var matmul = g.Nodes.Single(n => n.OpType == "MatMul");
        Assert.Equal(1, plan.Tensors[matmul.Input[1]].Axis);

        var (both, g2) = Plan((k, x) => k.Node("MatMul", [x, k.Node("Transpose", [x], Attr.Ints("perm", 0, 1, 3, 2))]));
        var m2 = g2.Nodes.Single(n => n.OpType == "MatMul");
        Assert.Equal(TensorRole.Activation, Role(both, m2.Input[1]));
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Mul")]
    public void Elementwise_inputs_and_output_are_activations_and_a_constant_input_uses_the_activation_type(string op)
    {
        var (plan, g) = Plan((k, x) => k.Node(op, [x, k.Constant("c", [1, 4, 8, 8], k.Normal(256, 1))]), tailChannels: 4);
        var node = g.Nodes.Single(n => n.OpType == op);
        Assert.Equal(TensorRole.Activation, Role(plan, node.Input[0]));
        Assert.Equal(TensorRole.Weight, Role(plan, node.Input[1]));
        Assert.Equal(Recipe.ActivationType, plan.Tensors[node.Input[1]].Spec.Type);
        Assert.Null(plan.Tensors[node.Input[1]].Axis);
        Assert.Equal(TensorRole.Activation, Role(plan, node.Output[0]));
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Mul")]
    public void Elementwise_in_a_model_tail_stays_float(string op)
    {
        var (plan, _) = Plan((k, x) => k.Node(op, [x, k.Constant("c", [1, 4, 8, 8], k.Normal(256, 1))]));
        Assert.False(Quantized(plan, op));
    }

    [Fact]
    public void Concat_of_activations_shares_one_scale_and_a_constant_input_keeps_it_float()
    {
        var (shared, g) = Plan((k, x) => k.Node("Concat", [x, k.Node("Conv", "side", [x, k.Weight("side_w", [4, 4, 1, 1], 4), k.Zeros("side_b", 4)])], Attr.Int("axis", 1)), tailChannels: 8);
        var concat = g.Nodes.Single(n => n.OpType == "Concat");
        Assert.True(Quantized(shared, "Concat"));
        Assert.All(concat.Input, i => Assert.Equal(shared.ParamsSource(concat.Output[0]), shared.ParamsSource(i)));

        var (constant, _) = Plan((k, x) => k.Node("Concat", [x, k.Constant("c", [1, 4, 8, 8], k.Normal(256, 1))], Attr.Int("axis", 1)), tailChannels: 8);
        Assert.False(Quantized(constant, "Concat"));
    }

    [Theory]
    [InlineData("AveragePool")]
    [InlineData("GlobalAveragePool")]
    [InlineData("Sigmoid")]
    public void Unary_ops_with_integer_kernels_get_their_own_output_range(string op)
    {
        var (plan, g) = Plan((k, x) => k.Node(op, [x], op == "AveragePool" ? [Attr.Ints("kernel_shape", 2, 2)] : []), tailChannels: 4);
        var node = g.Nodes.Single(n => n.OpType == op);
        Assert.Null(plan.Tensors[node.Output[0]].SameAs);
        Assert.Equal(TensorRole.Activation, Role(plan, node.Output[0]));
    }

    [Fact]
    public void Relu_after_a_quantized_conv_is_fused_into_its_output()
    {
        var (plan, _) = Plan((k, x) => k.Node("Relu", [x]));
        Assert.Single(plan.FusedActivations, n => n.OpType == "Relu");
    }

    [Theory]
    [InlineData(0f, 6f, true)]
    [InlineData(-1f, 1f, true)]
    [InlineData(0.5f, 6f, false)]
    public void Clip_is_fused_only_when_its_range_holds_zero(float min, float max, bool fused)
    {
        var (plan, _) = Plan((k, x) => k.Node("Clip", [x, k.Scalar("min", min), k.Scalar("max", max)]));
        Assert.Equal(fused, plan.FusedActivations.Any(n => n.OpType == "Clip"));
        if (!fused) Assert.Contains(plan.KeptFloat, f => f.OpType == "Clip");
    }

    [Theory]
    [InlineData("MaxPool")]
    [InlineData("GlobalMaxPool")]
    [InlineData("Reshape")]
    [InlineData("Flatten")]
    [InlineData("Transpose")]
    [InlineData("Squeeze")]
    [InlineData("Unsqueeze")]
    [InlineData("Slice")]
    [InlineData("Resize")]
    public void Pass_through_ops_share_their_input_parameters(string op)
    {
        var (plan, g) = Plan((k, x) => op switch
        {
            "MaxPool" => k.Node(op, [x], Attr.Ints("kernel_shape", 2, 2)),
            "Reshape" => k.Node(op, [x, k.Int64s("shape", 1, 4, 64)]),
            "Transpose" => k.Node(op, [x], Attr.Ints("perm", 0, 2, 3, 1)),
            "Squeeze" => k.Node(op, [k.Node("GlobalMaxPool", [x]), k.Int64s("axes", 3)]),
            "Unsqueeze" => k.Node(op, [x, k.Int64s("axes", 0)]),
            "Slice" => k.Node(op, [x, k.Int64s("starts", 0), k.Int64s("ends", 2), k.Int64s("axes", 1)]),
            "Resize" => k.Node(op, [x, "", k.Constant("scales", [4], [1, 1, 2, 2])], Attr.Int("mode", 0)),
            _ => k.Node(op, [x]),
        });
        var node = g.Nodes.Single(n => n.OpType == op);
        Assert.Equal(node.Input[0], plan.Tensors[node.Output[0]].SameAs);
    }

    [Fact]
    public void Split_outputs_all_share_the_input_parameters()
    {
        var (plan, g) = Plan((k, x) =>
        {
            var split = new Onnx.Proto.NodeProto { OpType = "Split", Name = "/split" };
            split.Input.AddRange([x, k.Int64s("sizes", 1, 3)]);
            split.Output.AddRange(["part_a", "part_b"]);
            split.Attribute.Add(Attr.Int("axis", 1));
            k.Graph.Node.Add(split);
            return k.Node("Concat", ["part_a", "part_b"], Attr.Int("axis", 1));
        });
        var node = g.Nodes.Single(n => n.OpType == "Split");
        Assert.All(node.Output, o => Assert.Equal(node.Input[0], plan.Tensors[o].SameAs));
    }

    [Fact]
    public void Gather_over_an_embedding_table_quantizes_the_table_per_row_and_over_an_activation_passes_through()
    {
        var k = new GraphKit("gather", seed: 6);
        string ids = k.Input("ids", DataTypes.Int64, 1, 3);
        string table = k.Weight("table", [EmbeddingTableRows, 64], 64);
        k.Named("Gather", "rows", [table, ids]);
        k.Output("rows", DataTypes.Float);
        var model = k.Build();
        ShapeInference.Infer(model);
        var plan = Planner.Plan(model.Graph, Recipe);
        Assert.Equal(TensorRole.Weight, plan.Tensors[table].Role);
        Assert.Equal(0, plan.Tensors[table].Axis);

        var (passed, g) = Plan((kit, x) => kit.Node("Gather", [x, kit.Int64s("index", 0, 2)], Attr.Int("axis", 1)));
        var gather = g.Nodes.Single(n => n.OpType == "Gather");
        Assert.Equal(gather.Input[0], passed.Tensors[gather.Output[0]].SameAs);
    }

    /// <summary>Enough rows that the table passes <see cref="Quanta.Quantization.Embedding.EmbeddingTable.MinElements"/> at width 64.</summary>
    static readonly int EmbeddingTableRows = (int)Math.Max(16, (Quanta.Quantization.Embedding.EmbeddingTable.MinElements + 63) / 64);

    [Fact]
    public void Every_registry_entry_has_a_test_here()
    {
        string[] tested = ["Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "Concat", "AveragePool", "GlobalAveragePool", "Sigmoid", "Relu", "Clip",
            "MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Resize", "Slice", "Split", "Gather"];
        Assert.Empty(OpRegistry.SupportedOpTypes.Except(tested));
    }
}
