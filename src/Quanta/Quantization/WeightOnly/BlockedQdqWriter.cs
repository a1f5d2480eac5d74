using Quanta.IR;
using Quanta.IR.Normalize;
using Quanta.Numerics;
using Quanta.Onnx;

namespace Quanta.Quantization.WeightOnly;

/// <summary>
/// Writes a layer in standard ONNX: the weight [K, N] as int4/uint4/int8/uint8 behind an opset-21
/// blocked DequantizeLinear (axis 0, block_size; scale [blocks, N]) feeding a MatMul (+ Add for a
/// Gemm's bias). Symmetric blocks are stored signed with zero point 0; fractional zero points
/// (HQQ) are rounded because DequantizeLinear's zero point is an integer of the weight's type.
/// 2-bit weights are stored in 4-bit containers: ONNX has int2 only from opset 25.
/// </summary>
static class BlockedQdqWriter
{
    public static void Write(Graph g, LinearLayer layer, BlockwiseWeight q, bool symmetric)
    {
        int k = q.K, n = q.N, blocks = q.Blocks, centre = q.Grid.Centre;
        var type = (q.Grid.Bits, symmetric) switch
        {
            (8, true) => QuantType.Int8,
            (8, false) => QuantType.UInt8,
            (_, true) => QuantType.Int4,
            _ => QuantType.UInt4,
        };
        var values = new int[k * n];
        for (int c = 0; c < n; c++)
            for (int r = 0; r < k; r++)
                values[r * n + c] = q.Q[c * k + r] - (symmetric ? centre : 0);
        var scales = new float[blocks * n];
        var zeros = new int[blocks * n];
        for (int c = 0; c < n; c++)
            for (int b = 0; b < blocks; b++)
            {
                scales[b * n + c] = q.Scales[c * blocks + b];
                zeros[b * n + c] = symmetric ? 0 : (int)Math.Clamp(MathF.Round(q.Zeros[c * blocks + b]), 0, q.Grid.QMax);
            }
        string name = layer.Name;
        string w = NodeKit.AddConstant(g, name + "_W_quantized", Tensors.FromRaw("", type.OnnxDataType(), [k, n], QuantMath.ToBytes(values, type)));
        string s = NodeKit.AddConstant(g, name + "_W_scale", Tensors.FromFloats("", layer.ElementType, [blocks, n], scales));
        var dqInputs = new List<string> { w, s };
        if (!symmetric) dqInputs.Add(NodeKit.AddConstant(g, name + "_W_zero_point", Tensors.FromRaw("", type.OnnxDataType(), [blocks, n], QuantMath.ToBytes(zeros, type))));
        string weight = g.UniqueName(name + "_W_dequantized");
        g.AddNode(NodeKit.Node("DequantizeLinear", g.UniqueName(name + "_W_DequantizeLinear"), dqInputs, [weight],
            NodeKit.Int("axis", 0), NodeKit.Int("block_size", q.BlockSize)));
        if (layer.Bias is null)
        {
            g.AddNode(NodeKit.Node("MatMul", g.UniqueName(name + "_matmul"), [layer.Input, weight], [layer.Output]));
            return;
        }
        string product = g.UniqueName(name + "_product");
        g.AddNode(NodeKit.Node("MatMul", g.UniqueName(name + "_matmul"), [layer.Input, weight], [product]));
        string bias = NodeKit.AddConstant(g, name + "_bias", Tensors.FromFloats("", layer.ElementType, [n], layer.Bias));
        g.AddNode(NodeKit.Node("Add", g.UniqueName(name + "_bias_add"), [product, bias], [layer.Output]));
    }
}
