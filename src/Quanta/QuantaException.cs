namespace Quanta;

/// <summary>What went wrong, in the terms the command line turns into exit codes.</summary>
public enum FailureKind
{
    /// <summary>The input or the usage is wrong (exit code 2): the user must change something.</summary>
    BadInput,
    /// <summary>The work ran but did not reach its goal (exit code 1), e.g. an accuracy target.</summary>
    NotMet,
}

/// <summary>
/// An expected failure with a one-line message naming the file or flag and what is wrong.
/// Anything else that escapes is a bug in Quanta.
/// </summary>
public sealed class QuantaException : Exception
{
    public FailureKind Kind { get; }

    public QuantaException(string message, FailureKind kind = FailureKind.BadInput, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public static QuantaException BadInput(string message, Exception? inner = null) => new(message, FailureKind.BadInput, inner);
}
