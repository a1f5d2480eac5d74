using Quanta.IR;
using Quanta.Onnx.Proto;

namespace Quanta.Onnx;

/// <summary>
/// Where a streaming pass puts the large tensors it creates, so memory holds one layer's
/// worth at a time whatever the model size: each is appended to a scratch file and its
/// TensorProto becomes an on-disk handle (<see cref="ExternalData.IsOnDisk"/>), which
/// <see cref="ModelIO.Save"/> later copies into the output's side file in slices.
/// The scratch file lives in the temporary folder and is deleted when the process exits (or, if it
/// was killed, by the next process that spills).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as the process: ProcessExit deletes its file.")]
public sealed class TensorSpill
{
    const int Alignment = 4096;
    static readonly object Gate = new();
    static readonly List<string> Files = [];
    readonly string _path;
    readonly FileStream _stream;

    TensorSpill()
    {
        _path = Path.Combine(Path.GetTempPath(), $"quanta-spill-{Environment.ProcessId}-{Guid.NewGuid():N}.data");
        _stream = new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        lock (Gate)
        {
            if (Files.Count == 0)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteAll();
                DeleteOrphans();
            }
            Files.Add(_path);
        }
    }

    /// <summary>
    /// A spill for passes over <paramref name="model"/> when its input tensors are on disk (a model
    /// read with external data, whose output is written with external data too); null when the
    /// model is held in memory, so small models are not sent through a scratch file for nothing.
    /// </summary>
    public static TensorSpill? For(Model model) => ExternalData.AnyOnDisk(model.Proto) ? new TensorSpill() : null;

    /// <summary>Moves every in-memory initializer of at least <paramref name="threshold"/> bytes to the scratch file.</summary>
    public void Offload(Graph g, long threshold = ExternalData.LazyThresholdBytes)
    {
        foreach (var t in g.Initializers)
            if (t.HasRawData && t.RawData.Length >= threshold) Offload(t);
        _stream.Flush();
    }

    void Offload(TensorProto t)
    {
        long offset = (_stream.Position + Alignment - 1) / Alignment * Alignment;
        _stream.SetLength(Math.Max(_stream.Length, offset));
        _stream.Position = offset;
        _stream.Write(t.RawData.Span);
        ExternalData.PointAt(t, _path, offset, t.RawData.Length);
    }

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
