using Google.Protobuf;
using Quanta.Onnx.Proto;

namespace Quanta.Onnx;

/// <summary>
/// ONNX external data: tensors whose bytes live in side files named by a relative
/// "location" with an "offset" and "length". Locations are confined to the model's
/// folder: an absolute path or one that climbs out with ".." is refused.
/// </summary>
static class ExternalData
{
    const int Alignment = 4096; // lets runtimes memory-map large tensors

    public static IEnumerable<TensorProto> AllTensors(GraphProto graph)
    {
        foreach (var t in graph.Initializer) yield return t;
        foreach (var node in graph.Node)
            foreach (var a in node.Attribute)
            {
                if (a.T is not null) yield return a.T;
                foreach (var t in a.Tensors) yield return t;
                if (a.G is not null) foreach (var t in AllTensors(a.G)) yield return t;
                foreach (var g in a.Graphs) foreach (var t in AllTensors(g)) yield return t;
            }
    }

    /// <summary>Reads every external tensor into raw_data, checking where it points.</summary>
    public static void Load(ModelProto model, string folder, string modelPath)
    {
        var files = new Dictionary<string, FileStream>();
        try
        {
            foreach (var t in AllTensors(model.Graph))
            {
                if (t.DataLocation != TensorProto.Types.DataLocation.External) continue;
                var (file, offset, length) = Resolve(t, folder, modelPath);
                if (!files.TryGetValue(file, out var stream))
                {
                    if (!File.Exists(file)) throw QuantaException.BadInput($"{modelPath}: tensor '{t.Name}' points to missing external data file '{Relative(folder, file)}'");
                    files[file] = stream = File.OpenRead(file);
                }
                if (length < 0) length = stream.Length - offset;
                if (offset < 0 || offset + length > stream.Length)
                    throw QuantaException.BadInput($"{modelPath}: tensor '{t.Name}' reads bytes {offset}..{offset + length} of '{Relative(folder, file)}', which holds {stream.Length}");
                var buffer = new byte[length];
                stream.Position = offset;
                stream.ReadExactly(buffer);
                t.RawData = UnsafeByteOperations.UnsafeWrap(buffer);
                t.ExternalData.Clear();
                t.ClearDataLocation();
            }
        }
        finally
        {
            foreach (var s in files.Values) s.Dispose();
        }
    }

    /// <summary>The file a tensor's external data lies in (checked to stay inside the model's folder), its offset and length (-1: to the end).</summary>
    internal static (string File, long Offset, long Length) Resolve(TensorProto t, string folder, string modelPath)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var e in t.ExternalData)
        {
            switch (e.Key)
            {
                case "location": location = e.Value; break;
                case "offset": offset = ParseLong(e.Value, t, modelPath); break;
                case "length": length = ParseLong(e.Value, t, modelPath); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw QuantaException.BadInput($"{modelPath}: tensor '{t.Name}' is stored externally but names no location");
        string full = Path.GetFullPath(Path.Combine(folder, location));
        string root = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        if (Path.IsPathRooted(location) || !full.StartsWith(root, StringComparison.Ordinal))
            throw QuantaException.BadInput($"{modelPath}: tensor '{t.Name}' external data location '{location}' escapes the model's folder");
        return (full, offset, length);
    }

    static long ParseLong(string value, TensorProto t, string modelPath) =>
        long.TryParse(value, out var v) ? v : throw QuantaException.BadInput($"{modelPath}: tensor '{t.Name}' has a malformed external data entry '{value}'");

    static string Relative(string folder, string file) => Path.GetRelativePath(folder, file);

    /// <summary>Moves tensors of at least <paramref name="threshold"/> bytes into <paramref name="dataPath"/>.</summary>
    public static void Write(ModelProto model, string dataPath, string location, long threshold)
    {
        using var stream = File.Create(dataPath);
        foreach (var t in AllTensors(model.Graph))
        {
            if (!t.HasRawData || t.RawData.Length < threshold) continue;
            long offset = (stream.Position + Alignment - 1) / Alignment * Alignment;
            stream.SetLength(Math.Max(stream.Length, offset));
            stream.Position = offset;
            stream.Write(t.RawData.Span);
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
            t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = t.RawData.Length.ToString() });
            t.DataLocation = TensorProto.Types.DataLocation.External;
            t.ClearRawData();
        }
    }
}
