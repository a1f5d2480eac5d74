using System.Text.RegularExpressions;

namespace Quanta.Quantization;

/// <summary>Node-name patterns with * and ? (a name without them matches only itself).</summary>
static class Glob
{
    public static bool Matches(string pattern, string name)
    {
        if (!pattern.Contains('*') && !pattern.Contains('?')) return pattern == name;
        string regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
        return Regex.IsMatch(name, regex);
    }
}
