using System.Text.RegularExpressions;

namespace Quanta.Quantization;

/// <summary>
/// A list of node-name patterns with * and ? (a name without them matches only itself), built once
/// and matched against every node. Exact names are one hash lookup and only real wildcard patterns
/// become regexes, compiled here once: planning stays linear when a recipe names every node (as
/// tune's trials do) instead of trying each of N patterns on each of N nodes.
/// </summary>
sealed class Glob
{
    readonly Dictionary<string, int> _exact = new(StringComparer.Ordinal);
    readonly List<(int Index, Regex Pattern)> _wildcards = new();

    public Glob(IEnumerable<string> patterns)
    {
        int index = 0;
        foreach (var p in patterns)
        {
            if (p.Contains('*') || p.Contains('?'))
                _wildcards.Add((index, new Regex("^" + Regex.Escape(p).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.CultureInvariant)));
            else _exact[p] = index;
            index++;
        }
    }

    /// <summary>The position of the last pattern that matches <paramref name="name"/>, or -1 when none does.</summary>
    public int LastMatch(string name)
    {
        int last = _exact.GetValueOrDefault(name, -1);
        // Wildcards are kept in order: the last matching one is found scanning from the end.
        for (int i = _wildcards.Count - 1; i >= 0 && _wildcards[i].Index > last; i--)
            if (_wildcards[i].Pattern.IsMatch(name)) return _wildcards[i].Index;
        return last;
    }

    public bool Matches(string name) => LastMatch(name) >= 0;
}
