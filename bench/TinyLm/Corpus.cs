using System.Security.Cryptography;

namespace Quanta.TinyLm;

/// <summary>
/// Text that ships with Debian: the licence texts and every package's copyright file. Files are
/// de-duplicated by content (many copyright files embed the same licence) and split by file
/// name hash, so held-out text comes from files the model never saw.
/// </summary>
sealed record Corpus(byte[] Train, byte[] Heldout, byte[] Calibration)
{
    public static Corpus Load(int maxTrainBytes)
    {
        var files = Directory.EnumerateFiles("/usr/share/common-licenses")
            .Concat(Directory.EnumerateDirectories("/usr/share/doc").Select(d => Path.Combine(d, "copyright")).Where(File.Exists))
            .Order(StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>();
        using var train = new MemoryStream();
        using var heldout = new MemoryStream();
        using var calib = new MemoryStream();
        foreach (var f in files)
        {
            byte[] text;
            try { text = File.ReadAllBytes(f); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
            if (!seen.Add(Convert.ToHexString(SHA256.HashData(text)))) continue;
            int bucket = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(f))[0] % 10;
            var target = bucket == 0 ? heldout : bucket == 1 ? calib : train;
            if (target == train && train.Length >= maxTrainBytes) continue;
            target.Write(text);
        }
        return new Corpus(train.ToArray(), heldout.ToArray(), calib.ToArray());
    }
}
