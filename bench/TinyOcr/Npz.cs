using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace Quanta.TinyOcr;

/// <summary>Writes an .npz (a zip of .npy arrays, version 1.0 headers) the way numpy.savez does.</summary>
static class Npz
{
    public static void Write(string path, params (string Key, string Descr, long[] Shape, byte[] Data)[] arrays)
    {
        File.Delete(path);   // Create mode refuses an existing file
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (key, descr, shape, data) in arrays)
        {
            using var s = zip.CreateEntry(key + ".npy", CompressionLevel.Fastest).Open();
            string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
            string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
            // Magic (6) + version (2) + length (2) + dict + newline, padded with spaces to a multiple of 64.
            int padded = (10 + dict.Length + 1 + 63) / 64 * 64;
            string header = dict.PadRight(padded - 10 - 1) + "\n";
            s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            s.Write(BitConverter.GetBytes((ushort)header.Length));
            s.Write(Encoding.ASCII.GetBytes(header));
            s.Write(data);
        }
    }

    public static (string, string, long[], byte[]) Floats(string key, float[] values, params long[] shape) =>
        (key, "<f4", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static (string, string, long[], byte[]) Int64s(string key, long[] values, params long[] shape) =>
        (key, "<i8", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}
