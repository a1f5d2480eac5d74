namespace Quanta.Runtime;

/// <summary>Progress of long work, reported by the library and drawn by the command line.</summary>
public readonly record struct WorkProgress(string Task, long Done, long Total);
