using static TorchSharp.torch;

namespace Quanta.Training.Execution;

internal static partial class Kernels
{
    static Tensor[] Flatten(NodeArgs a)
    {
        var x = a[0];
        long axis = Host.Axis(a.Int("axis", 1), x.dim());
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.shape[i];
        return [x.reshape(outer, -1)];
    }

    static Tensor[] Reshape(NodeArgs a)
    {
        var x = a[0];
        var shape = a.Longs(1)!;
        if (a.Int("allowzero", 0) == 0)
            for (int i = 0; i < shape.Length; i++)
                if (shape[i] == 0) shape[i] = x.shape[i]; // 0 copies the input's dimension
        return [x.reshape(shape)];
    }

    static Tensor[] Transpose(NodeArgs a)
    {
        var x = a[0];
        var perm = a.Ints("perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
        return [x.permute(perm)];
    }

    static Tensor[] Slice(NodeArgs a)
    {
        var x = a[0];
        var starts = a.Longs(1)!;
        var ends = a.Longs(2)!;
        var axes = a.Longs(3) ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = a.Longs(4) ?? Ones(starts.Length);
        var y = x;
        for (int i = 0; i < starts.Length; i++)
        {
            long axis = Host.Axis(axes[i], x.dim()), dim = x.shape[axis], step = steps[i];
            if (step <= 0) throw new NotSupportedException("Slice with a non-positive step");
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 ? ends[i] + dim : ends[i];
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            y = end <= start ? y.narrow(axis, start, 0) : y.slice(axis, start, end, step);
        }
        return [ReferenceEquals(y, x) ? x.alias() : y];
    }

    static Tensor[] Gather(NodeArgs a)
    {
        var x = a[0];
        long axis = Host.Axis(a.Int("axis", 0), x.dim());
        var idx = a[1].to_type(ScalarType.Int64);
        idx = where(idx.lt(Scalars.Zero), idx.add(Scalars.Of(x.shape[axis]), Scalars.One), idx); // negative indices count from the end
        if (idx.dim() == 0) return [x.select(axis, idx.item<long>())];
        var picked = x.index_select(axis, idx.flatten());
        var shape = x.shape[..(int)axis].Concat(idx.shape).Concat(x.shape[((int)axis + 1)..]).ToArray();
        return [picked.reshape(shape)];
    }

    static Tensor[] Unsqueeze(NodeArgs a)
    {
        var x = a[0];
        var axes = a.Longs(1) ?? a.Ints("axes")!;
        long rank = x.dim() + axes.Length;
        var y = x;
        foreach (var axis in axes.Select(v => Host.Axis(v, rank)).Order()) y = y.unsqueeze(axis);
        return [ReferenceEquals(y, x) ? x.alias() : y];
    }

    static Tensor[] Squeeze(NodeArgs a)
    {
        var x = a[0];
        var axes = a.Longs(1) ?? a.Ints("axes");
        if (axes is null) return [x.squeeze()];
        var y = x;
        foreach (var axis in axes.Select(v => Host.Axis(v, x.dim())).OrderDescending()) y = y.squeeze(axis);
        return [ReferenceEquals(y, x) ? x.alias() : y];
    }

    static Tensor[] Shape(NodeArgs a)
    {
        var shape = a[0].shape;
        long rank = shape.Length;
        long start = Math.Clamp(Host.Axis(a.Int("start", 0), rank), 0, rank);
        long end = Math.Clamp(Host.Axis(a.Int("end", rank), rank), 0, rank);
        return [tensor(shape[(int)start..(int)Math.Max(start, end)], ScalarType.Int64)];
    }

    /// <summary>ONNX Expand broadcasts both ways: a 1 in the target keeps the input's dimension.</summary>
    static Tensor[] Expand(NodeArgs a)
    {
        var x = a[0];
        var target = a.Longs(1)!;
        int rank = Math.Max(target.Length, (int)x.dim());
        var shape = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long xd = i - (rank - x.dim()) >= 0 ? x.shape[i - (rank - x.dim())] : 1;
            long td = i - (rank - target.Length) >= 0 ? target[i - (rank - target.Length)] : 1;
            shape[i] = td == 1 ? xd : td;
        }
        return [x.expand(shape)];
    }

    static Tensor[] ConstantOfShape(NodeArgs a)
    {
        var shape = a.Longs(0)!;
        if (a.TensorAttr("value") is not { } v) return [zeros(shape, ScalarType.Float32)];
        var value = TensorConvert.FromProto(v);
        return [full(shape, Scalars.Of(value.reshape(-1)[0].item<float>()), value.dtype == ScalarType.Float32 ? ScalarType.Float32 : value.dtype)];
    }
}
