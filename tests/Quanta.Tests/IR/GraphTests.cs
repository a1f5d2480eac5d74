using Quanta.IR;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.IR;

public class GraphTests
{
    [Fact]
    public void TopologicalSortRestoresAShuffledNodeList()
    {
        var model = IrFixtures.Load("fmnist_cnn.onnx");
        var expected = IrFixtures.Logits(model);
        var original = model.Graph.Nodes.Select(n => n.Output[0]).ToList();

        var shuffled = model.Graph.Nodes.ToList();
        new Random(7).Shuffle(CollectionsMarshalHelper.AsArray(shuffled));
        // Reversing guarantees the shuffle is not accidentally sorted.
        shuffled.Reverse();
        model.Graph.Nodes.Clear();
        model.Graph.Nodes.AddRange(shuffled);
        model.Graph.Changed();
        Assert.False(IsTopological(model.Graph));

        model.Graph.SortTopologically();
        Assert.True(IsTopological(model.Graph));
        // The CNN is a chain, so there is only one valid order: the original.
        Assert.Equal(original, model.Graph.Nodes.Select(n => n.Output[0]).ToList());
        Assert.Empty(model.Graph.Validate());
        Assert.Equal(expected, IrFixtures.Logits(model));
    }

    static bool IsTopological(Graph graph)
    {
        var seen = new HashSet<string>(graph.Inputs.Select(i => i.Name).Concat(graph.Initializers.Select(t => t.Name)));
        foreach (var n in graph.Nodes)
        {
            if (n.Input.Any(i => i.Length > 0 && !seen.Contains(i))) return false;
            foreach (var o in n.Output) seen.Add(o);
        }
        return true;
    }

    [Fact]
    public void ValidateReportsADanglingInput()
    {
        var model = IrFixtures.Load("fmnist_cnn.onnx");
        var node = model.Graph.Nodes[2];
        node.Input[0] = "nowhere";
        model.Graph.Changed();
        var problems = model.Graph.Validate();
        var problem = Assert.Single(problems);
        Assert.Contains("reads 'nowhere', which nothing defines", problem);
    }
}

static class CollectionsMarshalHelper
{
    public static Span<T> AsArray<T>(List<T> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
}
