using Quanta.Onnx.Proto;
using DT = Quanta.Onnx.Proto.TensorProto.Types.DataType;

namespace Quanta.Onnx;

/// <summary>
/// Checks, before any tensor is read or allocated, that every tensor a model stores (initializers,
/// Constant and other tensor attributes, and those inside If/Loop/Scan bodies) holds exactly the
/// bytes its shape and element type declare. A file that claims 2^40 elements but carries 16 bytes
/// would otherwise be reported as a 4 TB model, or fail deep inside a pass when something reads it.
/// </summary>
static class TensorValidation
{
    /// <summary>No real tensor has more elements than this (64 GiB of float); larger shapes are corrupt.</summary>
    public const long MaxElements = 1L << 34;

    /// <summary>Throws a bad-input error naming the first tensor whose declared size does not match what it holds.</summary>
    public static void Check(GraphProto graph, string folder, string modelPath)
    {
        var fileLengths = new Dictionary<string, long>();
        foreach (var (t, where) in Tensors(graph, ""))
            if (Problem(t, folder, modelPath, fileLengths) is { } problem)
                throw QuantaException.BadInput($"{modelPath}: {where} {problem}");
    }

    /// <summary>Every stored tensor with a phrase saying where it is ("initializer 'W'", "… in the 'then_branch' body of node 'If_0'").</summary>
    static IEnumerable<(TensorProto Tensor, string Where)> Tensors(GraphProto graph, string scope)
    {
        foreach (var t in graph.Initializer) yield return (t, $"initializer '{t.Name}'{scope}");
        foreach (var node in graph.Node)
        {
            string nodeName = node.Name.Length > 0 ? node.Name : $"{node.OpType}→{string.Join(",", node.Output)}";
            foreach (var a in node.Attribute)
            {
                if (a.T is not null) yield return (a.T, $"tensor attribute '{a.Name}' of node '{nodeName}'{scope}");
                foreach (var t in a.Tensors) yield return (t, $"tensor attribute '{a.Name}' of node '{nodeName}'{scope}");
                var bodies = a.G is null ? a.Graphs : a.Graphs.Prepend(a.G);
                foreach (var body in bodies)
                    foreach (var inner in Tensors(body, $" in the '{a.Name}' body of node '{nodeName}'{scope}"))
                        yield return inner;
            }
        }
    }

    static string? Problem(TensorProto t, string folder, string modelPath, Dictionary<string, long> fileLengths)
    {
        string shape = $"[{string.Join(", ", t.Dims)}]";
        if (t.Dims.FirstOrDefault(d => d < 0) is var negative and < 0) return $"has a negative dimension {negative} in its shape {shape}";
        long n = 1;
        foreach (var d in t.Dims)
        {
            if (d != 0 && n > long.MaxValue / d) return $"declares a shape {shape} whose element count overflows";
            n *= d;
        }
        if (n > MaxElements) return $"declares a shape {shape} of {n:N0} elements, more than any real tensor has (2^34)";
        if (t.DataType == 0) return "has no element type";
        if (!Enum.IsDefined((DT)t.DataType)) return $"has an unknown element type {t.DataType}";

        string elements = $"declares {shape} {DataTypes.Name(t.DataType)} elements";
        if (t.DataType == (int)DT.String)
            return t.StringData.Count == n ? null : $"{elements} but holds {t.StringData.Count} strings";

        long needed = (n * DataTypes.BitsPerElement(t.DataType) + 7) / 8;
        string sized = $"{elements} ({Bytes(needed)})";
        if (t.DataLocation == TensorProto.Types.DataLocation.External) return ExternalProblem(t, needed, sized, folder, modelPath, fileLengths);
        if (t.HasRawData)
            return t.RawData.Length == needed ? null : $"{sized} but holds {t.RawData.Length} bytes";
        var (field, count, expected) = TypedField(t, n);
        if (count == expected) return null;
        return count == 0 && !HasAnyTypedData(t) ? $"{sized} but holds 0 bytes" : $"{sized} but its {field} holds {count} values, not {expected}";
    }

    /// <summary>The typed field that holds values of the tensor's element type, how many it has, and how many the shape needs.</summary>
    static (string Field, long Count, long Expected) TypedField(TensorProto t, long n) => (DT)t.DataType switch
    {
        DT.Float => ("float_data", t.FloatData.Count, n),
        DT.Complex64 => ("float_data", t.FloatData.Count, 2 * n),
        DT.Double => ("double_data", t.DoubleData.Count, n),
        DT.Complex128 => ("double_data", t.DoubleData.Count, 2 * n),
        DT.Int64 => ("int64_data", t.Int64Data.Count, n),
        DT.Uint32 or DT.Uint64 => ("uint64_data", t.Uint64Data.Count, n),
        // Sub-byte types are packed into bytes first, then each byte widened to one int32.
        DT.Int4 or DT.Uint4 or DT.Float4E2M1 => ("int32_data", t.Int32Data.Count, (n + 1) / 2),
        DT.Int2 or DT.Uint2 => ("int32_data", t.Int32Data.Count, (n + 3) / 4),
        _ => ("int32_data", t.Int32Data.Count, n),
    };

    static bool HasAnyTypedData(TensorProto t) =>
        t.FloatData.Count + t.DoubleData.Count + t.Int32Data.Count + t.Int64Data.Count + t.Uint64Data.Count + t.StringData.Count > 0;

    /// <summary>
    /// External data: the declared length must match the shape and the bytes must lie inside the file.
    /// A missing file or a location outside the model's folder is left to <see cref="ExternalData.Load"/>.
    /// </summary>
    static string? ExternalProblem(TensorProto t, long needed, string sized, string folder, string modelPath, Dictionary<string, long> fileLengths)
    {
        var (file, offset, length) = ExternalData.Resolve(t, folder, modelPath);
        if (length >= 0 && length != needed) return $"{sized} but its external data length is {length} bytes";
        if (!fileLengths.TryGetValue(file, out long fileLength))
        {
            if (!File.Exists(file)) return null;
            fileLengths[file] = fileLength = new FileInfo(file).Length;
        }
        if (offset < 0 || offset > fileLength || needed > fileLength - offset)
            return $"{sized} at offset {offset} of '{Path.GetRelativePath(folder, file)}', which holds {fileLength} bytes";
        return null;
    }

    static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 40 => $"{bytes / (double)(1L << 40):0.#} TiB",
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
