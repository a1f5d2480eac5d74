using System.CommandLine;
using System.Globalization;
using Quanta.Data;

namespace Quanta.Cli;

/// <summary>Options shared by several verbs, built once per verb so each command owns its symbols.</summary>
static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Show stack traces and extra detail on errors", Recursive = true };

    public static Option<bool> Json() => new("--json") { Description = "Print one machine-readable JSON object on stdout" };

    public static Option<int> Threads() => new("--threads") { Description = "ONNX Runtime intra-op threads (0 = all cores)", DefaultValueFactory = _ => 0 };

    public static Argument<string> ModelArgument(string name = "MODEL") => new(name) { Description = "An ONNX model file" };

    /// <summary>
    /// An option that takes several values (<c>--std 0.1 0.2</c>). The parser stops at options it
    /// knows but would take a mistyped one (<c>--calib-batch</c>) for one more value, so a value that
    /// looks like a flag is reported as the unknown option it is.
    /// </summary>
    public static Option<string[]> Many(string name, string description)
    {
        var option = new Option<string[]>(name) { Description = description, AllowMultipleArgumentsPerToken = true };
        option.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(t => LooksLikeFlag(t.Value)) is { } flag) result.AddError($"unknown option '{flag.Value}'");
        });
        return option;
    }

    /// <summary>"--x" or "-x", but not a negative number such as "-0.5".</summary>
    static bool LooksLikeFlag(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}

/// <summary>
/// The data flags of DESIGN.md: they describe the model's input, so one set applies to every
/// data argument of a command (--data, --calib, --train).
/// </summary>
sealed class DataFlags
{
    public readonly Option<string[]> Mean = CommonOptions.Many("--mean", "Mean subtracted after scaling pixels to [0,1]: one value or one per channel");
    public readonly Option<string[]> Std = CommonOptions.Many("--std", "Standard deviation divided after the mean: one value or one per channel");
    public readonly Option<string?> Size = new("--size") { Description = "Resize and centre-crop images to HxW (e.g. 224x224)" };
    public readonly Option<Named<Layout>> Layout = EnumOption.Create("--layout", "Input layout of image data", Data.Layout.Nchw);
    public readonly Option<int> Channels = new("--channels") { Description = "Image channels: 1 (grey), 3 (RGB) or 0 (as stored)", DefaultValueFactory = _ => 0 };
    public readonly Option<int> Seed = new("--seed") { Description = "Seed for choosing subsets", DefaultValueFactory = _ => 0 };
    public readonly Option<int> Batch = new("--batch") { Description = "Batch size", DefaultValueFactory = _ => 64 };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Mean, Std, Size, Layout, Channels, Seed, Batch }) command.Options.Add(o);
    }

    public Preprocessing Preprocessing(ParseResult parse)
    {
        float[] mean = Floats(parse.GetValue(Mean), "--mean", 0f);
        float[] std = Floats(parse.GetValue(Std), "--std", 1f);
        if (std.Any(s => s <= 0 || !float.IsFinite(s))) throw QuantaException.BadInput("--std: values must be positive");
        int h = 0, w = 0;
        if (parse.GetValue(Size) is { } size)
        {
            var parts = size.ToLowerInvariant().Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], out h) || !int.TryParse(parts[1], out w) || h <= 0 || w <= 0)
                throw QuantaException.BadInput($"--size: expected HxW such as 224x224, got '{size}'");
        }
        var layout = parse.GetValue(Layout).Value;
        int channels = parse.GetValue(Channels);
        if (channels is not (0 or 1 or 3)) throw QuantaException.BadInput("--channels: expected 0, 1 or 3");
        return new Preprocessing(mean, std, h, w, layout, channels);
    }

    public int BatchSize(ParseResult parse) =>
        parse.GetValue(Batch) is var b and > 0 ? b : throw QuantaException.BadInput("--batch must be at least 1");

    public IDataset Open(ParseResult parse, string spec, int? count, string flag)
    {
        if (count is <= 0) throw QuantaException.BadInput($"{flag}-count must be at least 1");
        return DataSource.Open(spec, new DataOptions(Preprocessing(parse), count, parse.GetValue(Seed)));
    }

    static float[] Floats(string[]? values, string flag, float fallback)
    {
        if (values is null || values.Length == 0) return [fallback];
        var list = new List<float>();
        foreach (var token in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) || !float.IsFinite(f))
                throw QuantaException.BadInput($"{flag}: '{token}' is not a number");
            list.Add(f);
        }
        return list.ToArray();
    }
}
