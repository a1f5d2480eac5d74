using Google.Protobuf;
using Microsoft.Win32.SafeHandles;
using Quanta.Onnx.Proto;

namespace Quanta.Onnx;

/// <summary>
/// ONNX external data: tensors whose bytes live in side files named by a relative
/// "location" with an "offset" and "length". Locations are confined to the model's
/// folder: an absolute path or one that climbs out with ".." is refused.
/// <para>
/// Large external tensors are not read at load: they stay on disk as lazy handles whose
/// location is rewritten to the checked absolute path (with offset and length filled in),
/// so each is self-describing and <see cref="Read(Quanta.Onnx.Proto.TensorProto)"/> fetches its bytes only when a pass asks.
/// Such absolute locations exist only in memory: <see cref="Write"/> copies every on-disk
/// tensor into the output's side file and <see cref="Inline"/> reads them for an in-memory
/// runtime session, so no model leaves this process pointing outside its folder.
/// </para>
/// </summary>
internal static class ExternalData
{
    const int Alignment = 4096; // lets runtimes memory-map large tensors
    /// <summary>External tensors below this are read at load (shape constants, norms, biases); larger ones stay on disk.</summary>
    public const long LazyThresholdBytes = 64 * 1024;
    /// <summary>In-memory tensors at least this large go to the side file when a model is saved with external data (<see cref="SaveOptions"/>).</summary>
    public const long SideFileThresholdBytes = 1024;
    const int CopyChunk = 16 << 20;

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

    /// <summary>
    /// Checks every external tensor (confined to <paramref name="folder"/>, bytes inside its file);
    /// reads the small ones into raw_data and leaves the rest on disk as lazy handles. Returns the
    /// bytes of the side files the tensors point to.
    /// </summary>
    public static long Load(ModelProto model, string folder, string modelPath)
    {
        var lengths = new Dictionary<string, long>();
        var files = new Dictionary<string, FileStream>();
        try
        {
            foreach (var t in AllTensors(model.Graph))
            {
                if (t.DataLocation != TensorProto.Types.DataLocation.External) continue;
                var (file, offset, length) = Resolve(t, folder, modelPath);
                if (!lengths.TryGetValue(file, out long fileLength))
                {
                    if (!File.Exists(file)) throw QuantaException.BadInput($"{modelPath}: tensor '{t.Name}' points to missing external data file '{Relative(folder, file)}'");
                    lengths[file] = fileLength = new FileInfo(file).Length;
                }
                if (length < 0) length = fileLength - offset;
                if (offset < 0 || offset + length > fileLength)
                    throw QuantaException.BadInput($"{modelPath}: tensor '{t.Name}' reads bytes {offset}..{offset + length} of '{Relative(folder, file)}', which holds {fileLength}");
                if (length >= LazyThresholdBytes)
                {
                    PointAt(t, file, offset, length);
                    continue;
                }
                if (!files.TryGetValue(file, out var stream)) files[file] = stream = File.OpenRead(file);
                var buffer = new byte[length];
                stream.Position = offset;
                stream.ReadExactly(buffer);
                SetInline(t, buffer);
            }
        }
        finally
        {
            foreach (var s in files.Values) s.Dispose();
        }
        return lengths.Values.Sum();
    }

    /// <summary>True when the tensor's bytes are on disk behind a checked absolute location (see <see cref="Load"/>).
    /// A tensor given raw_data since (a pass that rewrote its values) is in memory again.</summary>
    public static bool IsOnDisk(TensorProto t) =>
        !t.HasRawData && t.DataLocation == TensorProto.Types.DataLocation.External && Entry(t, "location") is { } l && Path.IsPathRooted(l);

    /// <summary>
    /// Clears the on-disk entries of tensors a pass has since given raw_data, so a model written
    /// from memory never carries a stale external location.
    /// </summary>
    public static void DropStaleEntries(ModelProto model)
    {
        foreach (var t in AllTensors(model.Graph))
            if (t.HasRawData && t.DataLocation == TensorProto.Types.DataLocation.External)
            {
                t.ExternalData.Clear();
                t.ClearDataLocation();
            }
    }

    /// <summary>The bytes of an on-disk tensor, read now (the caller owns the array).</summary>
    public static byte[] Read(TensorProto t)
    {
        var (file, offset, length) = Place(t);
        var buffer = new byte[length];
        ReadInto(file, offset, buffer);
        return buffer;
    }

    /// <summary>Fills <paramref name="destination"/> with the on-disk tensor's bytes (lengths must match).</summary>
    public static void Read(TensorProto t, Span<byte> destination)
    {
        var (file, offset, length) = Place(t);
        if (length != destination.Length)
            throw QuantaException.BadInput($"tensor '{t.Name}': external data holds {length} bytes, its shape needs {destination.Length}");
        ReadInto(file, offset, destination);
    }

    /// <summary>Fills <paramref name="destination"/> with the on-disk tensor's bytes from <paramref name="start"/> on (no more than it holds).</summary>
    public static void ReadAt(TensorProto t, long start, Span<byte> destination)
    {
        var (file, offset, length) = Place(t);
        if (start < 0 || start + destination.Length > length)
            throw QuantaException.BadInput($"tensor '{t.Name}': external data holds {length} bytes, bytes {start}..{start + destination.Length} were asked for");
        ReadInto(file, offset + start, destination);
    }

    /// <summary>Points <paramref name="t"/> at bytes already on disk (a checked, absolute path).</summary>
    internal static void PointAt(TensorProto t, string file, long offset, long length)
    {
        t.ClearRawData();
        t.ExternalData.Clear();
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = file });
        t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
        t.DataLocation = TensorProto.Types.DataLocation.External;
    }

    /// <summary>Reads every on-disk tensor of <paramref name="model"/> into raw_data (for a copy handed to an in-memory session).</summary>
    public static void Inline(ModelProto model)
    {
        DropStaleEntries(model);
        foreach (var t in AllTensors(model.Graph))
            if (IsOnDisk(t)) SetInline(t, Read(t));
    }

    public static bool AnyOnDisk(ModelProto model) => AllTensors(model.Graph).Any(IsOnDisk);

    static void SetInline(TensorProto t, byte[] bytes)
    {
        t.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        t.ExternalData.Clear();
        t.ClearDataLocation();
    }

    static void ReadInto(string file, long offset, Span<byte> destination)
    {
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        ReadInto(handle, offset, destination, file);
    }

    static void ReadInto(SafeFileHandle handle, long offset, Span<byte> destination, string file)
    {
        while (destination.Length > 0)
        {
            int n = RandomAccess.Read(handle, destination, offset);
            if (n <= 0) throw QuantaException.BadInput($"{file}: external data ends early (was it changed while reading?)");
            destination = destination[n..];
            offset += n;
        }
    }

    internal static (string File, long Offset, long Length) Place(TensorProto t)
    {
        if (!IsOnDisk(t)) throw new InvalidOperationException($"tensor '{t.Name}' is not an on-disk tensor");
        return (Entry(t, "location")!, long.Parse(Entry(t, "offset")!), long.Parse(Entry(t, "length")!));
    }

    static string? Entry(TensorProto t, string key)
    {
        foreach (var e in t.ExternalData) if (e.Key == key) return e.Value;
        return null;
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

    /// <summary>Where a tensor goes in a side file: its offset and length there.</summary>
    internal readonly record struct Placement(TensorProto Tensor, long Offset, long Length);

    /// <summary>
    /// The side file's layout: every on-disk tensor and every in-memory one of at least
    /// <paramref name="threshold"/> bytes, in the model's order, each at the next aligned offset.
    /// </summary>
    public static List<Placement> Layout(ModelProto model, long threshold)
    {
        var layout = new List<Placement>();
        long end = 0;
        foreach (var t in AllTensors(model.Graph))
        {
            bool onDisk = IsOnDisk(t);
            long length = onDisk ? Place(t).Length : t.RawData.Length;
            if (!onDisk && (!t.HasRawData || length < threshold)) continue;
            long offset = Aligned(end);
            layout.Add(new Placement(t, offset, length));
            end = offset + length;
        }
        return layout;
    }

    internal static long Aligned(long position) => (position + Alignment - 1) / Alignment * Alignment;

    /// <summary>
    /// Moves tensors of at least <paramref name="threshold"/> bytes into <paramref name="dataPath"/>:
    /// in-memory ones are written from raw_data, on-disk ones copied across in slices, so the
    /// side file is written without ever holding more than one slice of a large tensor.
    /// A spill file already laid out as this side file becomes it (<see cref="TensorSpill.TryAdopt"/>):
    /// then only the tensors it lacks are written, into its gaps. Returns true in that case.
    /// </summary>
    public static bool Write(ModelProto model, string dataPath, string location, long threshold)
    {
        var layout = Layout(model, threshold);
        string? adopted = TensorSpill.TryAdopt(layout, dataPath);
        using (var stream = adopted is null ? File.Create(dataPath) : new FileStream(dataPath, FileMode.Open, FileAccess.Write))
        {
            byte[]? slice = null;
            foreach (var (t, offset, _) in layout)
            {
                bool onDisk = IsOnDisk(t);
                if (onDisk && adopted is not null && Place(t) is var (file, at, _) && file == adopted && at == offset) continue; // already in place
                stream.SetLength(Math.Max(stream.Length, offset));
                stream.Position = offset;
                if (onDisk) CopyFromDisk(t, stream, slice ??= new byte[CopyChunk]);
                else stream.Write(t.RawData.Span);
            }
        }
        foreach (var (t, offset, length) in layout) PointAt(t, location, offset, length);
        return adopted is not null;
    }

    /// <summary>Copies an on-disk tensor's bytes to <paramref name="destination"/> at its position, in slices.</summary>
    internal static void CopyFromDisk(TensorProto t, Stream destination) => CopyFromDisk(t, destination, new byte[CopyChunk]);

    static void CopyFromDisk(TensorProto t, Stream destination, byte[] slice)
    {
        var (file, offset, length) = Place(t);
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(slice.Length, length - done);
            ReadInto(handle, offset + done, slice.AsSpan(0, n), file);
            destination.Write(slice, 0, n);
            done += n;
        }
    }
}
