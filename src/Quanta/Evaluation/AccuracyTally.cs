namespace Quanta.Evaluation;

/// <summary>Running top-1/top-5 counts over batches of class scores.</summary>
internal sealed class AccuracyTally
{
    long _top1, _top5;
    int[] _perClassCount = [];
    int[] _perClassCorrect = [];

    public int Count { get; private set; }

    /// <summary>Adds a batch: <paramref name="scores"/> is [labels.Length, classes] row-major.</summary>
    public void Add(ReadOnlySpan<float> scores, int classes, ReadOnlySpan<int> labels)
    {
        if (_perClassCount.Length < classes)
        {
            Array.Resize(ref _perClassCount, classes);
            Array.Resize(ref _perClassCorrect, classes);
        }
        for (int i = 0; i < labels.Length; i++)
        {
            var row = scores.Slice(i * classes, classes);
            int label = labels[i];
            if ((uint)label >= (uint)classes)
                throw QuantaException.BadInput($"label {label} is outside the model's {classes} classes");
            float target = row[label];
            // Rank of the true class: how many scores beat it (ties resolved in favour of the lower index, as argmax does).
            int better = 0;
            for (int c = 0; c < classes; c++)
                if (row[c] > target || (row[c] == target && c < label)) better++;
            if (better == 0) { _top1++; _perClassCorrect[label]++; }
            if (better < 5) _top5++;
            _perClassCount[label]++;
        }
        Count += labels.Length;
    }

    public EvalResult Result(double seconds)
    {
        var perClass = new double[_perClassCount.Length];
        for (int c = 0; c < perClass.Length; c++)
            perClass[c] = _perClassCount[c] == 0 ? 0 : (double)_perClassCorrect[c] / _perClassCount[c];
        return new EvalResult(Count, Count == 0 ? 0 : (double)_top1 / Count, Count == 0 ? 0 : (double)_top5 / Count,
            (int[])_perClassCount.Clone(), perClass, seconds);
    }
}
