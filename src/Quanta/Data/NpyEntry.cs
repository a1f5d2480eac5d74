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

    static readonly string[] DataNames = ["x", "images", "data", "input"];
    static readonly string[] LabelNames = ["y", "labels", "label"];

    /// <summary>
    /// The data array (named x, images, data or input, else the first array) and the optional
    /// label array (y, labels or label) of an .npz.
    /// </summary>
    public static (NpyEntry Data, NpyEntry? Labels) FromNpz(string path)
    {
        List<(string Member, string Name, long Length)> arrays;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            arrays = zip.Entries
                .Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                .Select(e => (e.FullName, e.FullName[..^4], e.Length))
                .ToList();
        }
        catch (Exception e) when (DataStreams.IsIoError(e))
        {
            throw QuantaException.BadInput($"{path}: not a readable .npz (zip) file ({e.Message})", e);
        }
        if (arrays.Count == 0) throw QuantaException.BadInput($"{path}: no arrays (.npy members) in the .npz");

        (string Member, string Name, long Length)? Named(string[] names)
        {
            foreach (var n in names)
                foreach (var a in arrays)
                    if (a.Name == n) return a;
            return null;
        }
        var labels = Named(LabelNames);
        var data = Named(DataNames) ?? arrays.FirstOrDefault(a => labels is null || a.Member != labels.Value.Member);
        if (data.Member is null) throw QuantaException.BadInput($"{path}: the .npz holds only a label array ({labels!.Value.Member})");
        return (new NpyEntry(path, data.Member, data.Length),
                labels is { } l ? new NpyEntry(path, l.Member, l.Length) : null);
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
