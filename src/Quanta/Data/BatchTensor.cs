namespace Quanta.Data;

/// <summary>Element types a data tensor can hold on its way to a model input.</summary>
public enum ElementType { Float, Int64, Int32, Bool }

/// <summary>
/// One input's values for a batch: <see cref="Values"/> is a <c>float[]</c>, <c>long[]</c>,
/// <c>int[]</c> or <c>bool[]</c> holding <see cref="Shape"/> (first axis = samples), row-major.
/// <see cref="Name"/> is the model input it feeds, or null for the one input of image data.
/// </summary>
public sealed record BatchTensor(string? Name, Array Values, long[] Shape)
{
    public ElementType ElementType => Values switch
    {
        float[] => ElementType.Float,
        long[] => ElementType.Int64,
        int[] => ElementType.Int32,
        bool[] => ElementType.Bool,
        _ => throw new ArgumentException($"unsupported tensor array {Values.GetType().Name}"),
    };

    /// <summary>Values per sample.</summary>
    public long SampleLength
    {
        get
        {
            long n = 1;
            for (int i = 1; i < Shape.Length; i++) n *= Shape[i];
            return n;
        }
    }

    /// <summary>The first <paramref name="count"/> samples (a copy; for reports that show a few).</summary>
    public BatchTensor Take(int count) => Slice(0, count);

    /// <summary>Samples [<paramref name="from"/>, <paramref name="to"/>) as a tensor of their own (a copy).</summary>
    public BatchTensor Slice(int from, int to)
    {
        long per = SampleLength;
        int n = (int)((to - from) * per);
        var values = Array.CreateInstance(Values.GetType().GetElementType()!, n);
        Array.Copy(Values, from * per, values, 0, n);
        var shape = (long[])Shape.Clone();
        shape[0] = to - from;
        return this with { Values = values, Shape = shape };
    }
}
