namespace Quanta.Evaluation;

/// <summary>
/// Whether a batch's labels name a class for each row of class scores: [N, C] with one label per
/// sample, or [N, T, C] (sequence models, text recognisers) with one label per step. Top-1 over
/// such rows is per-sample accuracy in the first case, per-step (character) accuracy in the second.
/// </summary>
internal static class LabelledRows
{
    /// <summary>The number of classes per row, or 0 when the labels do not fit the output's rows.</summary>
    public static int Classes(long[] shape, int samples, int labels)
    {
        if (shape.Length < 2 || shape[0] != samples || labels == 0) return 0;
        long rows = 1;
        for (int i = 0; i < shape.Length - 1; i++) rows *= shape[i];
        return rows == labels ? (int)shape[^1] : 0;
    }
}
