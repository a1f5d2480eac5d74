using System.CommandLine;

namespace Quanta.Cli;

/// <summary>
/// The library names an option by its property ("CalibCount must be at least 1"), since only the
/// command line knows flags; a message that starts with the name of one of the command's options
/// is shown with the flag the user typed ("--calib-count must be at least 1"). A flag is found by
/// its name without dashes; the few that are not named after their property are listed.
/// </summary>
static class FlagNames
{
    /// <summary>Placement's timings run at their own batch and threads, beside the data's --batch and --threads; --block is short for the block size.</summary>
    static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["PlacementOptions.Batch"] = "--bench-batch",
        ["PlacementOptions.Threads"] = "--bench-threads",
        ["BlockSize"] = "--block",
    };

    public static string InMessage(string message, Command command)
    {
        int end = 0;
        while (end < message.Length && (char.IsLetterOrDigit(message[end]) || message[end] == '.')) end++;
        if (end == 0 || !char.IsUpper(message[0]) || end == message.Length || message[end] is not (' ' or ':')) return message;
        string name = message[..end];
        var option = Renamed.TryGetValue(name, out var flag)
            ? command.Options.FirstOrDefault(o => o.Name == flag)
            : command.Options.FirstOrDefault(o => Plain(o.Name).Equals(name, StringComparison.OrdinalIgnoreCase));
        return option is null ? message : option.Name + message[end..];
    }

    /// <summary>"--calib-count" → "calibcount", as a property name reads in lower case.</summary>
    static string Plain(string flag) => flag.TrimStart('-').Replace("-", "");
}
