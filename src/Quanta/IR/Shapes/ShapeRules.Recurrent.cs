namespace Quanta.IR;

/// <summary>Rules for recurrent layers and control flow, whose outputs bodies and attributes decide.</summary>
internal static partial class ShapeRules
{
    /// <summary>
    /// LSTM/GRU/RNN: Y [T, D, B, H] and Y_h (and LSTM's Y_c) [D, B, H] from X [T, B, I]
    /// (layout 0) or Y [B, T, D, H] and Y_h [B, D, H] (layout 1).
    /// </summary>
    static void Recurrent(InferenceContext c)
    {
        int type = c.Type(0);
        long hidden = c.Int("hidden_size", -1);
        var d = Dim.Of(c.Str("direction", "forward") == "bidirectional" ? 2 : 1);
        var h = hidden > 0 ? Dim.Of(hidden) : Dim.Unknown;
        if (c.Shape(0) is not { Length: 3 } x)
        {
            for (int i = 0; i < c.OutputCount; i++) c.Set(i, type, null);
            return;
        }
        bool batchFirst = c.Int("layout", 0) == 1;
        Dim t = batchFirst ? x[1] : x[0], b = batchFirst ? x[0] : x[1];
        c.Set(0, type, batchFirst ? [b, t, d, h] : [t, d, b, h]);
        Dim[] state = batchFirst ? [b, d, h] : [d, b, h];
        c.Set(1, type, state);
        c.Set(2, type, state);
    }

    /// <summary>
    /// If, Loop, Scan: element types from the body's declared outputs (If: the then branch, output for
    /// output; Loop: after its condition; Scan: in order). Shapes are left open: iterations and branches decide them.
    /// </summary>
    static void ControlFlow(InferenceContext c)
    {
        string attribute = c.Node.OpType == "If" ? "then_branch" : "body";
        var body = c.Node.Attribute.FirstOrDefault(a => a.Name == attribute)?.G;
        if (body is null) return;
        int skip = c.Node.OpType == "Loop" ? 1 : 0;
        for (int i = 0; i < c.OutputCount && i + skip < body.Output.Count; i++)
            if (body.Output[i + skip].Type?.TensorType is { ElemType: not 0 } tt) c.Set(i, tt.ElemType, null);
    }
}
