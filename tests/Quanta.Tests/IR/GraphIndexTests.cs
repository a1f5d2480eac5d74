using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.IR;

/// <summary>The graph's indexes, kept up to date edit by edit, agree with indexes rebuilt from scratch.</summary>
public class GraphIndexTests
{
    [Fact]
    public void IncrementalEditsLeaveTheSameIndexAsARebuild()
    {
        var model = IrFixtures.Load("fmnist_cnn.onnx");
        var g = model.Graph;
        _ = g.Producer("warm the index");

        // What QdqWriter does to one activation and one weight, and what activation fusion does to a Relu.
        var relu = g.Nodes.First(n => n.OpType == "Relu");
        string x = relu.Input[0];
        var readers = g.Consumers(x).ToList();
        g.AddNode(Node("QuantizeLinear", "q", [x], "x_q"));
        g.AddNode(Node("DequantizeLinear", "dq", ["x_q"], "x_dq"));
        foreach (var r in readers) g.ReplaceInput(r, x, "x_dq");

        var conv = g.Nodes.First(n => n.OpType == "Conv");
        string w = conv.Input[1];
        g.AddInitializer(Tensors.FromFloats("w_scale", [], [0.1f]));
        g.AddNode(Node("DequantizeLinear", "w_dq", [w, "w_scale"], "w_dq_out"));
        g.ReplaceInput(conv, w, "w_dq_out");

        var nextRelu = g.Nodes.Last(n => n.OpType == "Relu");
        var producer = g.Producer(nextRelu.Input[0])!;
        g.RenameOutput(producer, nextRelu.Input[0], nextRelu.Output[0]);
        g.RemoveNodes(new HashSet<NodeProto> { nextRelu });
        g.RemoveInitializer("w_scale");
        g.RemoveNode(g.Nodes.Single(n => n.Name == "w_dq"));

        var fresh = new Graph(model.Proto.Graph);
        var names = model.Proto.Graph.Node.SelectMany(n => n.Input.Concat(n.Output))
            .Concat([x, w, "x_q", "x_dq", "w_scale", "w_dq_out", nextRelu.Input[0], nextRelu.Output[0]]).Distinct();
        foreach (var name in names)
        {
            Assert.Same(fresh.Producer(name), g.Producer(name));
            Assert.Equal(fresh.Consumers(name).ToHashSet(), g.Consumers(name).ToHashSet());
            Assert.Equal(fresh.IsInitializer(name), g.IsInitializer(name));
        }
        Assert.DoesNotContain(g.Consumers(x), r => readers.Contains(r));
        Assert.Null(g.Producer(nextRelu.Input[0]));
    }

    [Fact]
    public void UniqueNamesAvoidNamesAddedSinceTheIndexWasBuilt()
    {
        var g = IrFixtures.Load("fmnist_cnn.onnx").Graph;
        string first = g.UniqueName("extra");
        g.AddNode(Node("Identity", "extra_1", [g.Inputs[0].Name], "extra_2"));
        Assert.Equal("extra", first);
        Assert.Equal("extra_3", g.UniqueName("extra"));
    }

    static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        return n;
    }
}
