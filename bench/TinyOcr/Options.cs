namespace Quanta.TinyOcr;

/// <summary>The bench's command line: where to write, how long to train, how many strips of which length.</summary>
sealed record Options(
    string Out = "artifacts/tinyocr",
    string FashionMnist = "/usr/share/datasets/fashion-mnist",
    double Seconds = 300,
    int Batch = 32,
    int Seed = 1,
    int Length = 6,
    int Calib = 512,
    int Test = 2000,
    bool ExportOnly = false)
{
    /// <summary>The options, or null (after a one-line message) when an argument is unknown or lacks its value.</summary>
    public static Options? Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string? value = flag != "--export-only" && i + 1 < args.Length ? args[++i] : null;
            Options? next = (flag, value) switch
            {
                ("--export-only", _) => o with { ExportOnly = true },
                (_, null) => null,
                ("--out", { } v) => o with { Out = v },
                ("--fashion-mnist", { } v) => o with { FashionMnist = v },
                ("--seconds", { } v) => o with { Seconds = double.Parse(v) },
                ("--batch", { } v) => o with { Batch = int.Parse(v) },
                ("--seed", { } v) => o with { Seed = int.Parse(v) },
                ("--length", { } v) => o with { Length = int.Parse(v) },
                ("--calib", { } v) => o with { Calib = int.Parse(v) },
                ("--test", { } v) => o with { Test = int.Parse(v) },
                _ => null,
            };
            if (next is null)
            {
                Console.Error.WriteLine($"unknown argument or missing value: {flag}");
                return null;
            }
            o = next;
        }
        return o;
    }
}
