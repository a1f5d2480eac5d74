using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR;

internal static partial class ShapeRules
{
    static Dim Product(ReadOnlySpan<Dim> dims)
    {
        long p = 1;
        foreach (var d in dims)
        {
            if (!d.IsStatic) return dims.Length == 1 ? d : Dim.Unknown;
            p *= d.Value;
        }
        return Dim.Of(p);
    }

    static void Flatten(InferenceContext c)
    {
        var x = c.Shape(0);
        if (x is null) { c.Set(0, c.Type(0), [Dim.Unknown, Dim.Unknown]); return; }
        int axis = (int)NormAxis(c.Int("axis", 1), x.Length);
        c.Set(0, c.Type(0), [Product(x.AsSpan(0, axis)), Product(x.AsSpan(axis))]);
    }

    static void Reshape(InferenceContext c)
    {
        var x = c.Shape(0);
        var target = c.Values(1);
        if (target is null)
        {
            // Only the rank is known: the length of the shape input.
            c.Set(0, c.Type(0), c.Shape(1) is [{ IsStatic: true } len] ? Unknowns(len.Value) : null);
            return;
        }
        bool allowZero = c.Int("allowzero", 0) != 0;
        var output = new Dim[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            var t = target[i];
            if (t is { IsNumber: true, Number: 0 } && !allowZero) output[i] = x is not null && i < x.Length ? x[i] : Dim.Unknown;
            else if (t is { IsNumber: true, Number: -1 }) inferred = i;
            else output[i] = t.ToDim();
        }
        if (inferred >= 0) output[inferred] = x is null ? Dim.Unknown : InferMissing(x, output, inferred);
        c.Set(0, c.Type(0), output);
        if (c.Values(0) is { } v && output.Length <= 1) c.SetValues(0, v); // same elements, new shape
    }

    /// <summary>
    /// The −1 of a Reshape: input size over the other output dims. Symbols cancel by name, so
    /// [N,4,8] → [N,−1] gives 32 and [N,4,8] → [4,8,−1] gives N.
    /// </summary>
    static Dim InferMissing(Dim[] input, Dim[] output, int skip)
    {
        long pin = 1, pout = 1;
        var symbols = new List<string>();
        foreach (var d in input)
        {
            if (d.IsStatic) pin *= d.Value;
            else if (d.Param is not null) symbols.Add(d.Param);
            else return Dim.Unknown;
        }
        for (int i = 0; i < output.Length; i++)
        {
            if (i == skip) continue;
            var d = output[i];
            if (d.IsStatic) pout *= d.Value;
            else if (d.Param is null || !symbols.Remove(d.Param)) return Dim.Unknown;
        }
        if (pout == 0 || pin % pout != 0) return Dim.Unknown;
        if (symbols.Count == 0) return Dim.Of(pin / pout);
        return symbols.Count == 1 && pin == pout ? Dim.Symbol(symbols[0]) : Dim.Unknown;
    }

    static Dim[] Unknowns(long rank)
    {
        var r = new Dim[rank];
        Array.Fill(r, Dim.Unknown);
        return r;
    }

    static void Transpose(InferenceContext c)
    {
        var x = c.Shape(0);
        if (x is null) { c.Set(0, c.Type(0), null); return; }
        var perm = c.IntsAttr("perm");
        var output = new Dim[x.Length];
        for (int i = 0; i < x.Length; i++) output[i] = x[perm is null ? x.Length - 1 - i : (int)perm[i]];
        c.Set(0, c.Type(0), output);
    }

    static void Concat(InferenceContext c)
    {
        Dim[]? output = null;
        bool values = true;
        var allValues = new List<SymInt>();
        for (int i = 0; i < c.InputCount; i++)
        {
            if (!c.HasInput(i)) continue;
            var s = c.Shape(i);
            if (s is null) { c.Set(0, c.Type(0), output is null ? null : Unknowns(output.Length)); return; }
            if (c.Values(i) is { } v) allValues.AddRange(v); else values = false;
            if (output is null) { output = (Dim[])s.Clone(); continue; }
            int axis = (int)NormAxis(c.Int("axis", 0), s.Length);
            for (int k = 0; k < output.Length; k++)
            {
                if (k == axis) output[k] = output[k].IsStatic && s[k].IsStatic ? Dim.Of(output[k].Value + s[k].Value) : Dim.Unknown;
                else if (!output[k].IsStatic && s[k].IsStatic) output[k] = s[k];
            }
        }
        c.Set(0, c.Type(0), output);
        if (values && output is { Length: 1 }) c.SetValues(0, allValues.ToArray());
    }

    static void Split(InferenceContext c)
    {
        var x = c.Shape(0);
        int outputs = c.OutputCount;
        if (x is null) { for (int o = 0; o < outputs; o++) c.Set(o, c.Type(0), null); return; }
        int axis = (int)NormAxis(c.Int("axis", 0), x.Length);
        var split = c.Opset >= 13 ? c.Ints(1) : c.IntsAttr("split");
        for (int o = 0; o < outputs; o++)
        {
            var s = (Dim[])x.Clone();
            if (split is not null && o < split.Length) s[axis] = Dim.Of(split[o]);
            else if (x[axis].IsStatic)
            {
                // Equal parts; with num_outputs the last part may be smaller.
                long chunk = (x[axis].Value + outputs - 1) / outputs;
                s[axis] = Dim.Of(o < outputs - 1 ? chunk : x[axis].Value - chunk * (outputs - 1));
            }
            else s[axis] = Dim.Unknown;
            c.Set(o, c.Type(0), s);
        }
    }

    static void Slice(InferenceContext c)
    {
        var x = c.Shape(0);
        long[]? starts, ends, axes, steps;
        if (c.Opset < 10) { starts = c.IntsAttr("starts"); ends = c.IntsAttr("ends"); axes = c.IntsAttr("axes"); steps = null; }
        else { starts = c.Ints(1); ends = c.Ints(2); axes = c.HasInput(3) ? c.Ints(3) : null; steps = c.HasInput(4) ? c.Ints(4) : null; }
        if (x is null) { c.Set(0, c.Type(0), null); return; }
        if (starts is null || ends is null || (c.HasInput(3) && axes is null) || (c.HasInput(4) && steps is null))
        {
            // The rank survives a slice even when the bounds are unknown.
            c.Set(0, c.Type(0), Unknowns(x.Length));
            return;
        }
        var output = (Dim[])x.Clone();
        var values = c.Values(0);
        SymInt[]? sliced = null;
        for (int k = 0; k < starts.Length; k++)
        {
            int axis = (int)NormAxis(axes?[k] ?? k, x.Length);
            long step = steps?[k] ?? 1;
            var dim = x[axis];
            if (!dim.IsStatic)
            {
                // Slicing all of a symbolic dim keeps it; anything else makes it unknown.
                bool whole = step == 1 && starts[k] == 0 && ends[k] >= int.MaxValue;
                output[axis] = whole ? dim : Dim.Unknown;
                continue;
            }
            var (first, count) = SliceRange(dim.Value, starts[k], ends[k], step);
            output[axis] = Dim.Of(count);
            if (values is not null && x.Length == 1)
            {
                sliced = new SymInt[count];
                for (long i = 0; i < count; i++) sliced[i] = values[first + i * step];
            }
        }
        c.Set(0, c.Type(0), output);
        if (sliced is not null) c.SetValues(0, sliced);
    }

    /// <summary>First index and element count of a Slice along one axis, with ONNX's clamping.</summary>
    internal static (long First, long Count) SliceRange(long size, long start, long end, long step)
    {
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return (start, Math.Max(0, (end - start + step - 1) / step));
        }
        start = Math.Clamp(start, 0, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        return (start, Math.Max(0, (start - end + (-step) - 1) / (-step)));
    }

    static void Gather(InferenceContext c)
    {
        var data = c.Shape(0);
        var indices = c.Shape(1);
        if (data is null || indices is null) { c.Set(0, c.Type(0), null); return; }
        int axis = (int)NormAxis(c.Int("axis", 0), data.Length);
        var output = new List<Dim>(data[..axis]);
        output.AddRange(indices);
        output.AddRange(data[(axis + 1)..]);
        c.Set(0, c.Type(0), output.ToArray());
        if (data.Length == 1 && c.Values(0) is { } v && c.Ints(1) is { } idx)
        {
            var r = new SymInt[idx.Length];
            for (int i = 0; i < idx.Length; i++) r[i] = v[idx[i] < 0 ? idx[i] + v.Length : idx[i]];
            c.SetValues(0, r);
        }
    }

    static long[]? AxesOf(InferenceContext c, int inputIndex, long inputOpset)
    {
        if (c.Opset >= inputOpset) return c.HasInput(inputIndex) ? c.Ints(inputIndex) : null;
        return c.IntsAttr("axes");
    }

    static void Squeeze(InferenceContext c)
    {
        var x = c.Shape(0);
        bool axesGiven = c.Opset >= 13 ? c.HasInput(1) : c.IntsAttr("axes") is not null;
        var axes = AxesOf(c, 1, 13);
        if (x is null || axesGiven && axes is null) { c.Set(0, c.Type(0), null); return; }
        var drop = new HashSet<long>();
        if (axes is not null) foreach (var a in axes) drop.Add(NormAxis(a, x.Length));
        else
        {
            for (int i = 0; i < x.Length; i++)
            {
                if (!x[i].IsStatic) { c.Set(0, c.Type(0), null); return; } // might or might not be 1
                if (x[i].Value == 1) drop.Add(i);
            }
        }
        var output = new List<Dim>();
        for (int i = 0; i < x.Length; i++) if (!drop.Contains(i)) output.Add(x[i]);
        c.Set(0, c.Type(0), output.ToArray());
        if (c.Values(0) is { Length: 1 } v) c.SetValues(0, v);
    }

    static void Unsqueeze(InferenceContext c)
    {
        var x = c.Shape(0);
        var axes = AxesOf(c, 1, 13);
        if (x is null || axes is null) { c.Set(0, c.Type(0), null); return; }
        int rank = x.Length + axes.Length;
        var insert = new HashSet<long>();
        foreach (var a in axes) insert.Add(NormAxis(a, rank));
        var output = new Dim[rank];
        for (int i = 0, k = 0; i < rank; i++) output[i] = insert.Contains(i) ? Dim.Of(1) : x[k++];
        c.Set(0, c.Type(0), output);
        if (c.Values(0) is { } v) c.SetValues(0, v);
    }

    static void Reduce(InferenceContext c)
    {
        var x = c.Shape(0);
        // ReduceSum took axes as an input from opset 13, the others from 18.
        long inputOpset = c.Node.OpType == "ReduceSum" ? 13 : 18;
        bool axesFromInput = c.Opset >= inputOpset;
        var axes = axesFromInput ? (c.HasInput(1) ? c.Ints(1) : null) : c.IntsAttr("axes");
        bool keep = c.Int("keepdims", 1) != 0;
        if (x is null || axesFromInput && c.HasInput(1) && axes is null) { c.Set(0, c.Type(0), keep && x is not null ? Unknowns(x.Length) : null); return; }
        if (axes is { Length: 0 }) axes = null;
        if (axes is null && c.Int("noop_with_empty_axes", 0) != 0) { c.Set(0, c.Type(0), x); return; }
        var reduced = new HashSet<long>();
        for (int i = 0; i < x.Length; i++) if (axes is null) reduced.Add(i);
        if (axes is not null) foreach (var a in axes) reduced.Add(NormAxis(a, x.Length));
        var output = new List<Dim>();
        for (int i = 0; i < x.Length; i++)
            if (!reduced.Contains(i)) output.Add(x[i]);
            else if (keep) output.Add(Dim.Of(1));
        c.Set(0, c.Type(0), output.ToArray());
    }

    static void ArgReduce(InferenceContext c)
    {
        var x = c.Shape(0);
        if (x is null) { c.Set(0, DataTypes.Int64, null); return; }
        int axis = (int)NormAxis(c.Int("axis", 0), x.Length);
        bool keep = c.Int("keepdims", 1) != 0;
        var output = new List<Dim>();
        for (int i = 0; i < x.Length; i++)
            if (i != axis) output.Add(x[i]);
            else if (keep) output.Add(Dim.Of(1));
        c.Set(0, DataTypes.Int64, output.ToArray());
    }

    static void Shape(InferenceContext c)
    {
        var x = c.Shape(0);
        if (x is null) { c.Set(0, DataTypes.Int64, [Dim.Unknown]); return; }
        long start = NormAxis(c.Int("start", 0), x.Length), end = NormAxis(c.Int("end", x.Length), x.Length);
        start = Math.Clamp(start, 0, x.Length);
        end = Math.Clamp(end, start, x.Length);
        var values = new SymInt[end - start];
        for (long i = start; i < end; i++) values[i - start] = SymInt.FromDim(x[i]);
        c.Set(0, DataTypes.Int64, [Dim.Of(values.Length)]);
        c.SetValues(0, values);
    }

    static void ConstantOfShape(InferenceContext c)
    {
        var value = c.Node.Attr("value")?.T;
        int type = value?.DataType ?? DataTypes.Float;
        var shapeValues = c.Values(0);
        if (shapeValues is null)
        {
            c.Set(0, type, c.Shape(0) is [{ IsStatic: true } len] ? Unknowns(len.Value) : null);
            return;
        }
        var output = new Dim[shapeValues.Length];
        for (int i = 0; i < output.Length; i++) output[i] = shapeValues[i].ToDim();
        c.Set(0, type, output);
        if (output is [{ IsStatic: true } n] && value is not null && InferenceState.IsInteger(type) && n.Value <= InferenceState.MaxTrackedValues)
        {
            var fill = Tensors.ToInt64s(value)[0];
            var v = new SymInt[n.Value];
            Array.Fill(v, SymInt.Num(fill));
            c.SetValues(0, v);
        }
    }

    static void Expand(InferenceContext c)
    {
        var x = c.Shape(0);
        var target = c.Values(1);
        if (target is null)
        {
            if (x is not null && c.Shape(1) is [{ IsStatic: true } len]) c.Set(0, c.Type(0), Unknowns(Math.Max(len.Value, x.Length)));
            else c.Set(0, c.Type(0), null);
            return;
        }
        var shape = new Dim[target.Length];
        // A 1 in the target keeps the input's dim (Expand broadcasts both ways).
        for (int i = 0; i < shape.Length; i++) shape[i] = target[i] is { IsNumber: true, Number: 1 } ? Dim.Of(1) : target[i].ToDim();
        c.Set(0, c.Type(0), Broadcast([x, shape]));
    }

    static void Tile(InferenceContext c)
    {
        var x = c.Shape(0);
        var repeats = c.Ints(1);
        if (x is null) { c.Set(0, c.Type(0), null); return; }
        var output = new Dim[x.Length];
        for (int i = 0; i < x.Length; i++)
            output[i] = repeats is null ? Dim.Unknown : repeats[i] == 1 ? x[i] : x[i].IsStatic ? Dim.Of(x[i].Value * repeats[i]) : Dim.Unknown;
        c.Set(0, c.Type(0), output);
    }

    static void Pad(InferenceContext c)
    {
        var x = c.Shape(0);
        var pads = c.Opset >= 11 ? c.Ints(1) : c.IntsAttr("pads");
        if (x is null) { c.Set(0, c.Type(0), null); return; }
        var axes = c.Opset >= 18 && c.HasInput(3) ? c.Ints(3) : null;
        var output = (Dim[])x.Clone();
        if (pads is null || c.HasInput(3) && axes is null) { c.Set(0, c.Type(0), Unknowns(x.Length)); return; }
        int n = pads.Length / 2;
        for (int k = 0; k < n; k++)
        {
            int axis = (int)NormAxis(axes?[k] ?? k, x.Length);
            long add = pads[k] + pads[k + n];
            output[axis] = add == 0 ? x[axis] : x[axis].IsStatic ? Dim.Of(x[axis].Value + add) : Dim.Unknown;
        }
        c.Set(0, c.Type(0), output);
    }

    static void Range(InferenceContext c)
    {
        var start = c.Ints(0);
        var limit = c.Ints(1);
        var delta = c.Ints(2);
        var length = start is [var s] && limit is [var l] && delta is [var d] && d != 0
            ? Dim.Of(Math.Max(0, (long)Math.Ceiling((l - s) / (double)d))) : Dim.Unknown;
        c.Set(0, c.Type(0), [length]);
    }
}
