namespace Quanta.Analysis;

/// <summary>A reusable copy of one output of the latest batch: grows to the largest batch, never shrinks.</summary>
internal sealed class OutputBuffer
{
    float[] _data = [];
    int _length;

    public ReadOnlySpan<float> Values => _data.AsSpan(0, _length);

    public void Set(ReadOnlySpan<float> values)
    {
        if (_data.Length < values.Length) _data = new float[values.Length];
        values.CopyTo(_data);
        _length = values.Length;
    }
}
