using System.IO.Compression;

namespace Quanta.Data;

/// <summary>
/// Where one .npy array lives: a plain file, or a member of an .npz zip. Each
/// <see cref="Open"/> gives an independent forward-only stream at the start of the array.
/// </summary>
internal sealed class NpyEntry
{
    const int BufferSize = 1 << 16;
    readonly string _file;
    readonly string? _member;

    /// <summary>For messages: "a.npy" or "a.npz:x.npy".</summary>
    public string What { get; }
    /// <summary>Uncompressed size in bytes, to spot truncated arrays at Open.</summary>
    public long Length { get; }

    NpyEntry(string file, string? member, long length)
    {
        _file = file;
        _member = member;
        Length = length;
        What = member is null ? file : $"{file}:{member}";
    }

    public static NpyEntry FromFile(string path)
    {
        try
        {
            return new NpyEntry(path, null, new FileInfo(path).Length);
        }
        catch (Exception e) when (DataStreams.IsIoError(e))
        {
            throw QuantaException.BadInput($"{path}: cannot read ({e.Message})", e);
        }
    }

    /// <summary>Every array of an .npz, by key (the member name without ".npy"), in archive order.</summary>
    public static List<(string Key, NpyEntry Entry)> Members(string path)
    {
        List<(string Key, NpyEntry Entry)> arrays;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            arrays = zip.Entries
                .Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                .Select(e => (e.FullName[..^4], new NpyEntry(path, e.FullName, e.Length)))
                .ToList();
        }
        catch (Exception e) when (DataStreams.IsIoError(e))
        {
            throw QuantaException.BadInput($"{path}: not a readable .npz (zip) file ({e.Message})", e);
        }
        if (arrays.Count == 0) throw QuantaException.BadInput($"{path}: no arrays (.npy members) in the .npz");
        return arrays;
    }

    static readonly string[] LabelNames = ["y", "labels", "label"];

    /// <summary>The label array of an .npz (key y, labels or label), if any.</summary>
    public static (string Key, NpyEntry Entry)? LabelsOf(List<(string Key, NpyEntry Entry)> members)
    {
        foreach (var n in LabelNames)
            foreach (var a in members)
                if (a.Key == n) return a;
        return null;
    }

    NpyHeader? _header;

    /// <summary>The array's header, read once however many readers ask (type, shape, data offset).</summary>
    public NpyHeader Header
    {
        get
        {
            if (_header is null)
                using (var s = Open()) _header = NpyHeader.Read(s, What);
            return _header;
        }
    }

    public Stream Open()
    {
        if (_member is null) return DataStreams.OpenRead(_file);
        ZipArchive? zip = null;
        try
        {
            zip = ZipFile.OpenRead(_file);
            var entry = zip.GetEntry(_member) ?? throw QuantaException.BadInput($"{What}: member disappeared from the archive");
            return new OwningStream(new BufferedStream(entry.Open(), BufferSize), zip);
        }
        catch (Exception e) when (DataStreams.IsIoError(e))
        {
            zip?.Dispose();
            throw QuantaException.BadInput($"{What}: cannot read ({e.Message})", e);
        }
        catch
        {
            zip?.Dispose();
            throw;
        }
    }

    /// <summary>A read-only stream that also disposes the archive its member came from.</summary>
    sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
