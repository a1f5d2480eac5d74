using System.Runtime.InteropServices;
using Quanta.IR;
using Quanta.Onnx.Proto;

namespace Quanta.Onnx;

/// <summary>
/// Where a streaming pass puts the large tensors it creates, so memory holds one layer's
/// worth at a time whatever the model size: each is appended to a scratch file and its
/// TensorProto becomes an on-disk handle (<see cref="ExternalData.IsOnDisk"/>), which
/// <see cref="ModelIO.Save"/> later puts in the output's side file.
/// <para>
/// A pass that spills the tensors its output keeps in the output's order (<see cref="Offload(Graph, long, Func{TensorProto, bool})"/> with
/// <c>keepFromDisk</c>, then its new tensors as it makes them) leaves a scratch file laid out exactly
/// as the side file will be: <see cref="TryAdopt"/> then makes the scratch file the side file (a hard
/// link, no copy) and Save writes only what it lacks. The spill goes on in a fresh scratch file, so an
/// adopted file is never written again and tensors pointing into it stay valid.
/// </para>
/// Scratch files live in the temporary folder and are deleted when the process exits (or, if it
/// was killed, by the next process that spills); an adopted file lives on under its side file's name.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as the process: ProcessExit deletes its files.")]
internal sealed partial class TensorSpill
{
    static readonly object Gate = new();
    static readonly List<string> Files = [];
    static readonly List<TensorSpill> Spills = [];
    string? _path;
    FileStream? _stream;
    /// <summary>Offset → length of every tensor written to the current file.</summary>
    readonly Dictionary<long, long> _written = [];

    TensorSpill()
    {
        lock (Gate) Spills.Add(this);
    }

    /// <summary>
    /// A spill for passes over <paramref name="model"/> when its input tensors are on disk (a model
    /// read with external data, whose output is written with external data too); null when the
    /// model is held in memory, so small models are not sent through a scratch file for nothing.
    /// </summary>
    public static TensorSpill? For(Model model) => ExternalData.AnyOnDisk(model.Proto) ? new TensorSpill() : null;

    /// <summary>
    /// Moves every in-memory initializer of at least <paramref name="threshold"/> bytes to the scratch file,
    /// and copies there the on-disk ones <paramref name="keepFromDisk"/> accepts (tensors of the input the
    /// output keeps, so that the scratch file holds the side file's tensors in its order).
    /// </summary>
    public void Offload(Graph g, long threshold = ExternalData.LazyThresholdBytes, Func<TensorProto, bool>? keepFromDisk = null)
    {
        lock (Gate)
        {
            foreach (var t in g.Initializers)
            {
                if (t.HasRawData && t.RawData.Length >= threshold) Offload(t, s => s.Write(t.RawData.Span), t.RawData.Length);
                else if (keepFromDisk is not null && ExternalData.IsOnDisk(t) && keepFromDisk(t)) Offload(t, s => ExternalData.CopyFromDisk(t, s), ExternalData.Place(t).Length);
            }
            _stream?.Flush();
        }
    }

    void Offload(TensorProto t, Action<Stream> write, long length)
    {
        var stream = Open();
        long offset = ExternalData.Aligned(stream.Position);
        stream.SetLength(Math.Max(stream.Length, offset));
        stream.Position = offset;
        write(stream);
        _written[offset] = length;
        ExternalData.PointAt(t, _path!, offset, length);
    }

    FileStream Open()
    {
        if (_stream is not null) return _stream;
        _path = Path.Combine(Path.GetTempPath(), $"quanta-spill-{Environment.ProcessId}-{Guid.NewGuid():N}.data");
        _stream = new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        if (Files.Count == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteAll();
            DeleteOrphans();
        }
        Files.Add(_path);
        return _stream;
    }

    /// <summary>
    /// When a scratch file holds nothing but tensors of <paramref name="layout"/>, each at the offset the
    /// layout gives it, links it at <paramref name="dataPath"/> (same inode: nothing is copied) and returns
    /// its path; its spill continues in a new file. Null when none fits, or the link cannot be made
    /// (another file system, not Linux): the side file is then written by copy.
    /// </summary>
    public static string? TryAdopt(IReadOnlyList<ExternalData.Placement> layout, string dataPath)
    {
        if (!OperatingSystem.IsLinux()) return null;
        lock (Gate)
        {
            var placed = new Dictionary<string, List<(long At, long Offset, long Length)>>();
            foreach (var (t, offset, length) in layout)
                if (ExternalData.IsOnDisk(t) && ExternalData.Place(t) is var (file, at, _))
                {
                    if (!placed.TryGetValue(file, out var list)) placed[file] = list = [];
                    list.Add((at, offset, length));
                }
            foreach (var spill in Spills)
            {
                if (spill._path is not { } path || spill._written.Count == 0 || !placed.TryGetValue(path, out var tensors)) continue;
                int inPlace = tensors.Where(p => p.At == p.Offset && spill._written.GetValueOrDefault(p.At, -1) == p.Length).Select(p => p.At).Distinct().Count();
                if (inPlace != spill._written.Count) continue; // a tensor the side file does not take, or one that would move
                spill._stream!.Flush();
                if (!TryLink(path, dataPath)) return null;
                spill._stream.Dispose();
                spill._stream = null;
                spill._written.Clear();
                return path;
            }
            return null;
        }
    }

    /// <summary>link(2); false when it fails (EXDEV: another file system) or the C library cannot be loaded.</summary>
    static bool TryLink(string existing, string created)
    {
        try { return Link(existing, created) == 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    /// <summary>Scratch files of processes that died without exiting cleanly (killed test hosts, Ctrl+C).</summary>
    static void DeleteOrphans()
    {
        foreach (var f in Directory.EnumerateFiles(Path.GetTempPath(), "quanta-spill-*.data"))
        {
            var parts = Path.GetFileName(f).Split('-');
            if (parts.Length < 4 || !int.TryParse(parts[2], out int pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
            if (!OperatingSystem.IsLinux()) continue;
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    static void DeleteAll()
    {
        lock (Gate)
            foreach (var f in Files)
                try { File.Delete(f); } catch (IOException) { }
    }
}
