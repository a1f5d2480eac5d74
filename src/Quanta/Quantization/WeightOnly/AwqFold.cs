using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Onnx;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Puts AWQ's inverse scale on the activation. When the input is made by a LayerNormalization
/// whose output only these layers read, 1/s folds into its scale and bias (no new node, as AWQ's
/// own exporters do); otherwise a Mul by the constant 1/s is inserted in front of the layers.
/// </summary>
static class AwqFold
{
    /// <returns>The tensor the layers must read from now on, and whether the scale was folded.</returns>
    public static (string Input, bool Folded) Apply(Graph g, string input, int layerCount, float[] s)
    {
        if (TryFoldIntoLayerNorm(g, input, layerCount, s)) return (input, true);
        var inverse = new float[s.Length];
        for (int i = 0; i < s.Length; i++) inverse[i] = 1 / s[i];
        string scale = NodeKit.AddConstant(g, input + "_awq_inverse_scale", Tensors.FromFloats("", [s.Length], inverse));
        string scaled = g.UniqueName(input + "_awq_scaled");
        g.AddNode(NodeKit.Node("Mul", g.UniqueName(input + "_awq_Mul"), [input, scale], [scaled]));
        return (scaled, false);
    }

    static bool TryFoldIntoLayerNorm(Graph g, string input, int layerCount, float[] s)
    {
        var ln = g.Producer(input);
        if (!NodeKit.Is(ln, "LayerNormalization") || ln!.Output[0] != input || g.IsGraphOutput(input)) return false;
        if (g.Consumers(input).Count != layerCount) return false;
        long axis = NodeKit.IntAttr(ln, "axis") ?? -1;
        if (axis != -1 && axis != NodeKit.Rank(g, ln.Input[0]) - 1) return false;
        var names = ln.Input.Skip(1).Where(n => n.Length > 0).ToList();
        foreach (var name in names)
            if (g.Initializer(name) is not { } t || t.DataType != DataTypes.Float || Tensors.ElementCount(t) != s.Length || g.Consumers(name).Count != 1)
                return false;
        foreach (var name in names)
        {
            var t = g.Initializer(name)!;
            var values = Tensors.ToFloats(t);
            for (int i = 0; i < values.Length; i++) values[i] /= s[i];
            g.RemoveInitializer(name);
            g.AddInitializer(Tensors.FromFloats(name, t.Dims.ToArray(), values));
        }
        return true;
    }
}
