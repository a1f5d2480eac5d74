using System.IO.Compression;

namespace Quanta.Data;

/// <summary>
/// File access for the readers: opening (gzip transparently), exact reads and forward skips,
/// with every I/O or format failure turned into a BadInput that names the file.
/// </summary>
internal static class DataStreams
{
    const int BufferSize = 1 << 16;

    public static bool IsGzip(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens a file for sequential reading; .gz files are decompressed on the fly.</summary>
    public static Stream OpenRead(string path)
    {
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
            if (!IsGzip(path)) return file;
            // GZipStream reads small requests poorly; the BufferedStream turns per-sample reads into 64 KiB inflates.
            return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), BufferSize);
        }
        catch (Exception e) when (IsIoError(e))
        {
            throw QuantaException.BadInput($"{path}: cannot open ({e.Message})", e);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> or fails with "truncated" naming the file.</summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw QuantaException.BadInput($"{path}: file is truncated", e);
        }
        catch (Exception e) when (IsIoError(e))
        {
            throw QuantaException.BadInput($"{path}: cannot read ({e.Message})", e);
        }
    }

    /// <summary>Moves forward by <paramref name="count"/> bytes: a seek where possible, else reads into scratch.</summary>
    public static void Skip(Stream stream, long count, byte[] scratch, string path)
    {
        if (count <= 0) return;
        if (stream.CanSeek)
        {
            try
            {
                if (stream.Position + count > stream.Length) throw QuantaException.BadInput($"{path}: file is truncated");
                stream.Seek(count, SeekOrigin.Current);
                return;
            }
            catch (Exception e) when (IsIoError(e))
            {
                throw QuantaException.BadInput($"{path}: cannot read ({e.Message})", e);
            }
        }
        while (count > 0)
        {
            int n = (int)Math.Min(count, scratch.Length);
            ReadExactly(stream, scratch.AsSpan(0, n), path);
            count -= n;
        }
    }

    /// <summary>
    /// The uncompressed size a gzip file records in its trailer (modulo 2^32). Lets Open spot a
    /// truncated .gz without inflating it: a cut file ends in compressed bytes, not the true size.
    /// </summary>
    public static uint GzipRecordedSize(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16);
            if (file.Length < 18) throw QuantaException.BadInput($"{path}: not a gzip file or truncated ({file.Length} bytes)");
            Span<byte> tail = stackalloc byte[4];
            file.Seek(-4, SeekOrigin.End);
            file.ReadExactly(tail);
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(tail);
        }
        catch (Exception e) when (IsIoError(e))
        {
            throw QuantaException.BadInput($"{path}: cannot read ({e.Message})", e);
        }
    }

    public static bool IsIoError(Exception e) =>
        e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException;
}
